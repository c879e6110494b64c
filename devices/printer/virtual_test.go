package printer

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"eq/devices/escpos"
)

func TestVirtualWritesBytesAndAPicture(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "printed")
	profile := escpos.Generic80
	p := start(t, New(NewVirtual(VirtualConfig{Dir: dir, Profile: profile}), profile, fast()...))
	job := escpos.Ticket(profile, escpos.TicketData{
		Office:   "МФЦ «Мои документы»",
		Number:   "А012",
		Service:  "Паспорт гражданина РФ",
		IssuedAt: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
		Position: 4,
	})

	if err := p.Print(context.Background(), Job{Name: "А012-7f3c", Data: job}); err != nil {
		t.Fatalf("Print: %v", err)
	}

	bin, err := os.ReadFile(filepath.Join(dir, "А012-7f3c.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bin, job) {
		t.Errorf(".bin holds % X, want the job's bytes", bin)
	}
	f, err := os.Open(filepath.Join(dir, "А012-7f3c.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the .png does not decode: %v", err)
	}
	if got, want := img.Bounds().Dx(), profile.Dots(); got != want {
		t.Errorf("picture is %d dots wide, want %d", got, want)
	}
	if dark := darkPixels(img); dark < 2000 {
		t.Errorf("picture has %d dark pixels: blank?", dark)
	}
	if st := p.Status(); !st.Ready || !st.Known {
		t.Errorf("status = %+v, want ready: a virtual printer has paper", st)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d files, want the .bin and the .png only", len(entries))
	}
}

func darkPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 0x80 {
				n++
			}
		}
	}
	return n
}

func TestVirtualNamesFilesSafely(t *testing.T) {
	tests := []struct{ name, want string }{
		{"А012-7f3c", "А012-7f3c"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`a\b:c*d?`, "a_b_c_d_"},
		{"..", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := fileName(tt.name); got != tt.want {
			t.Errorf("fileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestVirtualKeepsTheBytesOfAJobItCannotDecode(t *testing.T) {
	dir := t.TempDir()
	v := NewVirtual(VirtualConfig{Dir: dir, Profile: escpos.Generic58})
	if err := v.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	junk := []byte{0x1b, 0xff, 0x00}

	err := v.WriteJob(Job{Data: junk}, time.Second)

	if err == nil {
		t.Fatal("WriteJob accepted bytes escpos cannot decode")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "job-*.bin"))
	if len(matches) != 1 {
		t.Fatalf("bin files %v, want one named after the time", matches)
	}
	if got, _ := os.ReadFile(matches[0]); !bytes.Equal(got, junk) {
		t.Errorf(".bin holds % X", got)
	}
}
