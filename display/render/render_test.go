package render_test

import (
	"context"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"eq/display"
	"eq/display/feed"
	"eq/display/render"
)

var docs = flag.Bool("docs", false, "write the demo pictures to docs/hall-display.png and docs/window-sign.png")

func TestDrawFrame(t *testing.T) {
	f := &display.Frame{Size: display.Size{W: 200, H: 100}, Items: []display.Item{
		{Kind: display.KindRect, Rect: display.Rect{X: 0, Y: 0, W: 200, H: 100}, Color: display.ColorBackground, Visible: true},
		{Kind: display.KindRect, Rect: display.Rect{X: 10, Y: 10, W: 30, H: 20}, Color: display.ColorAlert, Visible: true},
		{Kind: display.KindRect, Rect: display.Rect{X: 50, Y: 10, W: 30, H: 20}, Color: display.ColorAccent, Visible: false},
		{Kind: display.KindText, Rect: display.Rect{X: 100, Y: 0, W: 100, H: 50}, Text: "П012", FontSize: 30, Bold: true,
			Color: display.ColorText, Align: display.AlignCenter, Visible: true},
		{Kind: display.KindText, Rect: display.Rect{X: 100, Y: 50, W: 100, H: 50}, Text: "Ж", FontSize: 30,
			Color: display.ColorText, Visible: false},
	}}
	img, err := render.Screenshot(f)
	if err != nil {
		t.Fatal(err)
	}
	pixel := func(x, y int) color.RGBA { return img.RGBAAt(x, y) }
	tests := []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"the background fills the frame", 190, 95, display.ColorBackground.RGBA()},
		{"a rectangle is filled with its colour", 25, 20, display.ColorAlert.RGBA()},
		{"a rectangle ends at its edge", 41, 20, display.ColorBackground.RGBA()},
		{"an invisible rectangle is not drawn", 65, 20, display.ColorBackground.RGBA()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pixel(tt.x, tt.y); got != tt.want {
				t.Errorf("pixel (%d,%d): got %v, want %v", tt.x, tt.y, got, tt.want)
			}
		})
	}
	t.Run("a text is drawn inside its rectangle, centred", func(t *testing.T) {
		lit := litBounds(img, image.Rect(100, 0, 200, 50), display.ColorBackground.RGBA())
		if lit.Empty() {
			t.Fatal("no text drawn")
		}
		if left, right := lit.Min.X-100, 200-lit.Max.X; abs(left-right) > 4 {
			t.Errorf("text spans x %d..%d: margins %d and %d, want equal", lit.Min.X, lit.Max.X, left, right)
		}
		if top, bottom := lit.Min.Y, 50-lit.Max.Y; abs(top-bottom) > 4 {
			t.Errorf("text spans y %d..%d: margins %d and %d, want equal", lit.Min.Y, lit.Max.Y, top, bottom)
		}
	})
	t.Run("an invisible text is not drawn", func(t *testing.T) {
		if lit := litBounds(img, image.Rect(100, 50, 200, 100), display.ColorBackground.RGBA()); !lit.Empty() {
			t.Errorf("got pixels at %v, want none", lit)
		}
	})
}

// litBounds is the box of the pixels in r that are not bg.
func litBounds(img *image.RGBA, r image.Rectangle, bg color.RGBA) image.Rectangle {
	var out image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) != bg {
				out = out.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return out
}

func abs(v int) int { return max(v, -v) }

func TestMeasure(t *testing.T) {
	t.Run("a longer text is wider", func(t *testing.T) {
		if a, b := render.Measure("П01", 40, false), render.Measure("П012", 40, false); a >= b {
			t.Errorf("got %v for П01 and %v for П012", a, b)
		}
	})
	t.Run("a bigger size is wider", func(t *testing.T) {
		if a, b := render.Measure("Окно", 20, false), render.Measure("Окно", 40, false); b < 1.9*a || b > 2.1*a {
			t.Errorf("got %v at 20 px and %v at 40 px, want twice", a, b)
		}
	})
	t.Run("bold is wider", func(t *testing.T) {
		if a, b := render.Measure("Паспорт", 40, false), render.Measure("Паспорт", 40, true); a >= b {
			t.Errorf("got %v regular and %v bold", a, b)
		}
	})
	t.Run("an empty text has no width", func(t *testing.T) {
		if got := render.Measure("", 40, true); got != 0 {
			t.Errorf("got %v, want 0", got)
		}
	})
}

func TestGame(t *testing.T) {
	var sh display.Shared
	sh.Sync(demoState(), demoAt)
	sh.SetOnline(true)
	ctx, cancel := context.WithCancel(context.Background())
	g := render.NewGame(ctx, render.Options{Source: &sh, Board: feed.Hall, Now: func() time.Time { return demoAt }})

	t.Run("the game is as big as its window", func(t *testing.T) {
		if w, h := g.Layout(1024, 600); w != 1024 || h != 600 {
			t.Errorf("got %dx%d, want 1024x600", w, h)
		}
	})
	t.Run("update lays out the latest snapshot", func(t *testing.T) {
		if err := g.Update(); err != nil {
			t.Fatal(err)
		}
		f := g.Frame()
		if f == nil || f.Size != (display.Size{W: 1024, H: 600}) {
			t.Fatalf("got frame %+v", f)
		}
		if got := findText(f, display.RoleCallTicket, 0); got != "П012" {
			t.Errorf("newest call: got %q, want П012", got)
		}
	})
	t.Run("draw draws the frame", func(t *testing.T) {
		img := ebiten.NewImage(1024, 600)
		defer img.Deallocate()
		g.Draw(img)
		if got, want := img.At(1, 1), color.Color(display.ColorPanel.RGBA()); got != want {
			t.Errorf("header pixel: got %v, want %v", got, want)
		}
	})
	t.Run("update ends the game when the context is done", func(t *testing.T) {
		cancel()
		if err := g.Update(); !errors.Is(err, ebiten.Termination) {
			t.Errorf("got %v, want ebiten.Termination", err)
		}
	})
}

func findText(f *display.Frame, role display.Role, index int) string {
	for _, it := range f.Items {
		if it.Role == role && it.Index == index {
			return it.Text
		}
	}
	return ""
}

// Run needs the main thread, which this test binary's game holds, so the
// test runs it in a child process of the same binary.
func TestRunEndsWhenTheContextIsDone(t *testing.T) {
	for _, board := range []string{"hall", "window:1"} {
		t.Run("the "+board+" board", func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), runChildEnv+"="+board)
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("render.Run: %v\n%s", err, out)
			}
			if d := time.Since(start); d < time.Second || d > 20*time.Second {
				t.Errorf("ran %v, want about 1.5 s", d)
			}
		})
	}
}

func TestScreenshot(t *testing.T) {
	t.Run("an empty frame is an error", func(t *testing.T) {
		if _, err := render.Screenshot(&display.Frame{}); err == nil {
			t.Error("got no error")
		}
	})
}

// demoScreen is the demo office with the newest call, П012 to window 1,
// arrived at arrived and the others known from the start.
func demoScreen(arrived time.Time) *display.Screen {
	st := demoState()
	newest := st.Calls[0]
	st.Calls = st.Calls[1:]
	s := &display.Screen{}
	s.Sync(st, arrived.Add(-time.Minute))
	st.ApplyCall(feed.Call{Type: feed.TypeCall, Seq: 413, Call: newest})
	s.Sync(st, arrived)
	s.SetOnline(true)
	return s
}

// TestDemoPictures draws the demo hall board and window sign; with -docs it
// writes them to docs/ for the README.
func TestDemoPictures(t *testing.T) {
	l := display.NewLayouter(render.Measure)
	s := demoScreen(demoAt)
	hallSize := display.Size{W: 1920, H: 1080}
	// A moment while the newest call is lit, with the running text's
	// beginning on the screen.
	at := demoAt.Add(2200 * time.Millisecond)
	for i := 0; i < 6000; i++ {
		f := l.Layout(s, feed.Hall, hallSize, at, "ru")
		if x := itemRect(f, display.RoleTicker).X; x > 60 && x < 140 {
			break
		}
		at = at.Add(time.Second)
	}
	pictures := []struct {
		name  string
		board feed.Board
		size  display.Size
		doc   bool // goes to docs/ with -docs; the others to the temporary folder
	}{
		{"hall-display.png", feed.Hall, hallSize, true},
		{"window-sign.png", feed.Board{Window: 1}, display.Size{W: 1280, H: 720}, true},
		{"hall-display-portrait.png", feed.Hall, display.Size{W: 1080, H: 1920}, false},
		{"window-sign-portrait.png", feed.Board{Window: 1}, display.Size{W: 768, H: 1024}, false},
	}
	for _, p := range pictures {
		t.Run("the "+p.name+" picture", func(t *testing.T) {
			f := l.Layout(s, p.board, p.size, at, "ru")
			img, err := render.Screenshot(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			switch {
			case *docs && p.doc:
				dir = filepath.Join("..", "..", "docs")
			case *docs:
				dir = os.TempDir()
			}
			writePNG(t, filepath.Join(dir, p.name), img)
		})
	}
}

func itemRect(f *display.Frame, role display.Role) display.Rect {
	for _, it := range f.Items {
		if it.Role == role {
			return it.Rect
		}
	}
	return display.Rect{}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(out, img); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// BenchmarkDrawHall lays out and draws a full hall board at 1920×1080 into
// an offscreen image.
//
// "frame" waits for each frame to be drawn (by reading one pixel back, which
// makes ebiten flush its commands and copy the image out): it is what a
// frame costs here, and on this machine the GPU is Mesa's software one.
// "commands" measures the CPU side alone, laying out and queueing the draw
// commands; the queue is flushed after each frame with the timer stopped,
// as the game loop flushes it after each Draw.
func BenchmarkDrawHall(b *testing.B) {
	l := display.NewLayouter(render.Measure)
	s := demoScreen(demoAt)
	size := display.Size{W: 1920, H: 1080}
	dst := ebiten.NewImage(size.W, size.H)
	defer dst.Deallocate()
	px := make([]byte, 4)
	one := dst.SubImage(image.Rect(0, 0, 1, 1)).(*ebiten.Image)
	at := demoAt
	frame := func() {
		at = at.Add(time.Second / 60)
		render.DrawFrame(dst, l.Layout(s, feed.Hall, size, at, "ru"))
	}
	for range 120 { // warm the glyph and face caches
		frame()
		one.ReadPixels(px)
	}
	b.Run("frame", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			frame()
			one.ReadPixels(px)
		}
	})
	b.Run("commands", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			frame()
			b.StopTimer()
			one.ReadPixels(px)
			b.StartTimer()
		}
	})
}
