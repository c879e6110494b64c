package escpos

import (
	"bytes"
	"image"
	"image/png"
	"sync"
	"testing"
)

// dark counts the pixels of img darker than mid grey, inside r.
func dark(img *image.Gray, r image.Rectangle) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.GrayAt(x, y).Y < 0x80 {
				n++
			}
		}
	}
	return n
}

func decode(t *testing.T, b []byte) Document {
	t.Helper()
	doc, err := Decode(b, PC866)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestRenderIsAsWideAsThePaper(t *testing.T) {
	for _, p := range []Profile{Generic80, Generic58} {
		img := Render(decode(t, Ticket(p, sampleTicket())), p)
		if got := img.Bounds().Dx(); got != p.Dots() {
			t.Errorf("%s: %d dots wide, want %d", p.Name, got, p.Dots())
		}
		if n := dark(img, img.Bounds()); n < 5000 {
			t.Errorf("%s: only %d dark pixels: the ticket looks blank", p.Name, n)
		}
	}
}

func TestRenderGrowsWithContent(t *testing.T) {
	short := sampleReceipt()
	short.Documents = short.Documents[:1]
	long := sampleReceipt()
	long.Documents = append(long.Documents, long.Documents...)
	hs := Render(decode(t, Receipt(Generic80, short)), Generic80).Bounds().Dy()
	hl := Render(decode(t, Receipt(Generic80, long)), Generic80).Bounds().Dy()
	if hl <= hs {
		t.Errorf("a receipt of %d documents is %d dots high, one of %d is %d", len(long.Documents), hl, len(short.Documents), hs)
	}
	if want := hs + 5*lineSpacing*2; hl < want { // 5 more documents, each of two lines at least
		t.Errorf("the longer receipt is %d dots high, want at least %d", hl, want)
	}
}

func TestRenderEmptyIsBlankPaper(t *testing.T) {
	img := Render(Document{}, Generic58)
	if img.Bounds().Dy() != 2*paperMargin || dark(img, img.Bounds()) != 0 {
		t.Errorf("an empty document is %v with %d dark pixels", img.Bounds(), dark(img, img.Bounds()))
	}
}

func TestRenderAlignsLines(t *testing.T) {
	for _, tt := range []struct {
		name   string
		a      Alignment
		inside image.Rectangle // where the text must be, of 576×(margin+30)
	}{
		{"left", AlignLeft, image.Rect(0, 0, 100, 80)},
		{"center", AlignCenter, image.Rect(238, 0, 338, 80)},
		{"right", AlignRight, image.Rect(476, 0, 576, 80)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &Encoder{}
			e.Align(tt.a)
			e.Line("WWWWWW")
			img := Render(decode(t, e.Bytes()), Generic80)
			all := dark(img, img.Bounds())
			if all == 0 || dark(img, tt.inside) != all {
				t.Errorf("%d of %d dark pixels inside %v", dark(img, tt.inside), all, tt.inside)
			}
		})
	}
}

func TestRenderEnlargesCharacters(t *testing.T) {
	ink := func(w, h int) (int, int) {
		e := &Encoder{}
		e.Size(w, h)
		e.Line("Ж")
		img := Render(decode(t, e.Bytes()), Generic80)
		b := image.Rectangle{}
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if img.GrayAt(x, y).Y < 0x80 {
					b = b.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		return b.Dx(), b.Dy()
	}
	w1, h1 := ink(1, 1)
	w2, h3 := ink(2, 3)
	if w2 < 2*w1-2 || w2 > 2*w1+2 || h3 < 3*h1-3 || h3 > 3*h1+3 {
		t.Errorf("Ж is %dx%d, and %dx%d at 2x3", w1, h1, w2, h3)
	}
}

func TestRenderWrapsLinesWiderThanThePaper(t *testing.T) {
	e := &Encoder{}
	e.Line(string(bytes.Repeat([]byte("x"), 49)))
	one := &Encoder{}
	one.Line("x")
	if got, want := Render(decode(t, e.Bytes()), Generic80).Bounds().Dy(), Render(decode(t, one.Bytes()), Generic80).Bounds().Dy()+lineSpacing; got != want {
		t.Errorf("49 characters on 48 columns are %d dots high, want two lines: %d", got, want)
	}
}

func TestRenderDrawsTheCutAndTheQRPlaceholder(t *testing.T) {
	e := &Encoder{}
	e.QR("https://mfc.local/t/1", 4)
	before := Render(decode(t, e.Bytes()), Generic80)
	if n := dark(before, before.Bounds()); n == 0 {
		t.Error("the QR placeholder is blank")
	}
	if h, min := before.Bounds().Dy(), 25*4; h < min { // version 2: 25 modules
		t.Errorf("a QR code of 25 modules of 4 dots makes paper %d high", h)
	}
	e.Cut(PartialCut)
	after := Render(decode(t, e.Bytes()), Generic80)
	if after.Bounds().Dy() <= before.Bounds().Dy() {
		t.Error("the cut takes no paper")
	}
}

func TestRenderIsSafeConcurrently(t *testing.T) {
	doc := decode(t, Ticket(Generic58, sampleTicket()))
	want := Render(doc, Generic58)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := Render(doc, Generic58); !bytes.Equal(got.Pix, want.Pix) {
				t.Error("renders of one document differ")
			}
		})
	}
	wg.Wait()
}

func TestEncodePNG(t *testing.T) {
	img := Render(decode(t, Ticket(Generic58, sampleTicket())), Generic58)
	var buf bytes.Buffer
	if err := EncodePNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != img.Bounds() {
		t.Errorf("PNG is %v, image %v", got.Bounds(), img.Bounds())
	}
}
