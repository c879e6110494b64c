package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/internal/officetest"
	"eq/internal/syncbuf"
	"eq/queue"
)

// startDisplay builds eq-display and runs `eq display` for the hall on its
// own X server (Xvfb) of w×h against the server at url, with ALSA configured
// by alsaConf. It returns the X display's name and the program's log.
func startDisplay(t *testing.T, url string, w, h int, alsaConf string) (string, *syncbuf.Buffer) {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xwd", "aplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: `make deps` installs it (Debian xvfb, x11-apps, alsa-utils)", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, displayBinary)
	if out, err := exec.Command("go", "build", "-tags", "display", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", displayBinary, err, out)
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(alsaConf), 0o644); err != nil {
		t.Fatal(err)
	}
	screen := startXvfb(t, w, h)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncbuf.Buffer{}
	cmd := exec.CommandContext(ctx, bin, "display", "--server", url, "--board", "hall", "--token", "demo-display", "--fullscreen")
	cmd.Env = append(os.Environ(), "DISPLAY="+screen, "ALSA_CONFIG_PATH="+conf)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("eq display said:\n%s", logs.String())
		}
	})
	return screen, logs
}

// Sound cards for the display: one playing into nothing, and one missing.
const (
	alsaNull    = "pcm.!default { type null }\n"
	alsaMissing = "pcm.!default { type hw card 7 }\n"
)

// TestDisplayOnScreen runs the real `eq display` (the eq-display build) on an
// X server of its own (Xvfb) against a real server, captures the screen with
// xwd, calls a ticket, and checks the pixels changed where the layout puts
// the newest call, and that the call was announced through the (null) sound card.
func TestDisplayOnScreen(t *testing.T) {
	const w, h = 1280, 720
	o := officetest.Start(t)
	screen, logs := startDisplay(t, o.URL(), w, h, alsaNull)
	ctx := context.Background()

	// Where the layout puts the newest call on this screen.
	var area display.Rect
	f := display.NewLayouter(nil).Layout(&display.Screen{Online: true, Calls: []display.Shown{{Call: queue.Call{Number: "П001", Window: 1}}}},
		feed.Hall, display.Size{W: w, H: h}, time.Now(), "ru")
	for _, it := range f.Items {
		if it.Role == display.RoleCallTicket && it.Index == 0 {
			area = it.Rect
		}
	}
	if area.W == 0 {
		t.Fatal("the layout puts no newest call anywhere")
	}

	// The board is up when the screen is no longer blank.
	var before *image.RGBA
	waitFor(t, 30*time.Second, "the board on screen", func() bool {
		img, err := xwd(screen)
		if err != nil {
			return false
		}
		before = img
		return distinctColours(img) > 3
	})

	boss := queue.Actor{Login: "manager", Role: queue.RoleManager}
	if _, err := o.Engine.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: queue.ActionOpen, Actor: boss, Operator: "op1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Engine.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Engine.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: queue.ActionCallNext, Actor: boss}); err != nil {
		t.Fatal(err)
	}
	// The newest call blinks, so look a few times.
	waitFor(t, 15*time.Second, "the call where the layout puts it", func() bool {
		after, err := xwd(screen)
		return err == nil && changed(before, after, area) > int(area.W*area.H)/50
	})
	waitFor(t, 20*time.Second, "the call announced", func() bool {
		return strings.Contains(logs.String(), "msg=announced")
	})
	if !strings.Contains(logs.String(), "announcements on") || strings.Contains(logs.String(), "panic") {
		t.Error("the display did not say its announcements are on, or panicked")
	}
	if img, err := xwd(screen); err != nil || distinctColours(img) <= 3 {
		t.Errorf("after the announcement the board is gone (%v)", err)
	}
}

// TestDisplayWithoutSoundCard: a PC without a working sound card says so
// once and shows the board all the same.
func TestDisplayWithoutSoundCard(t *testing.T) {
	o := officetest.Start(t)
	screen, logs := startDisplay(t, o.URL(), 640, 480, alsaMissing)
	waitFor(t, 30*time.Second, "the board on screen", func() bool {
		img, err := xwd(screen)
		return err == nil && distinctColours(img) > 3
	})
	if !strings.Contains(logs.String(), "звука нет") {
		t.Fatalf("no word about the missing sound card in the log:\n%s", logs.String())
	}
}

// startXvfb starts an X server with a screen of w×h on a free display number.
func startXvfb(t *testing.T, w, h int) string {
	t.Helper()
	for n := 90; n < 190; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		name := fmt.Sprintf(":%d", n)
		x := exec.Command("Xvfb", name, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Process.Kill(); x.Wait() })
		waitFor(t, 10*time.Second, "Xvfb "+name, func() bool {
			_, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
			return err == nil
		})
		return name
	}
	t.Fatal("no free X display number")
	return ""
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// xwd captures the whole screen of display with xwd.
func xwd(display string) (*image.RGBA, error) {
	out, err := exec.Command("xwd", "-root", "-silent", "-display", display).Output()
	if err != nil {
		return nil, err
	}
	return decodeXWD(out)
}

// decodeXWD reads the ZPixmap, 32-bits-per-pixel, TrueColor images Xvfb's
// 24-bit screens give: a header of 25 big-endian words, the window name, a
// colour map, then the pixels.
func decodeXWD(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, errors.New("xwd: short header")
	}
	word := func(i int) uint32 { return binary.BigEndian.Uint32(b[i*4:]) }
	headerSize, format, width, height := int(word(0)), word(2), int(word(4)), int(word(5))
	byteOrder, bpp, bytesPerLine, ncolors := word(7), word(11), int(word(12)), int(word(19))
	if format != 2 || bpp != 32 {
		return nil, fmt.Errorf("xwd: format %d with %d bits per pixel is not handled", format, bpp)
	}
	start := headerSize + ncolors*12
	if len(b) < start+bytesPerLine*height {
		return nil, errors.New("xwd: short pixel data")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := 0; y < height; y++ {
		row := b[start+y*bytesPerLine:]
		for x := 0; x < width; x++ {
			p := row[x*4 : x*4+4]
			if byteOrder == 0 { // LSBFirst: B, G, R, X
				img.SetRGBA(x, y, color.RGBA{p[2], p[1], p[0], 255})
			} else {
				img.SetRGBA(x, y, color.RGBA{p[1], p[2], p[3], 255})
			}
		}
	}
	return img, nil
}

func distinctColours(img *image.RGBA) int {
	seen := map[color.RGBA]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 7 {
		for x := 0; x < img.Bounds().Dx(); x += 7 {
			seen[img.RGBAAt(x, y)] = true
		}
	}
	return len(seen)
}

// changed counts the pixels of area that differ between a and b.
func changed(a, b *image.RGBA, area display.Rect) int {
	n := 0
	for y := int(area.Y); y < int(area.Y+area.H); y++ {
		for x := int(area.X); x < int(area.X+area.W); x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				n++
			}
		}
	}
	return n
}
