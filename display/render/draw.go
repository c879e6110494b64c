// Package render draws the display's frames with ebiten: the hall board
// and the window signs laid out by package display, in a window or full
// screen, at any resolution. It is the only package of eq that imports
// ebiten.
package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"eq/display"
)

// The Go fonts: clear, open, and with Cyrillic.
var fonts = sync.OnceValues(func() (regular, bold *text.GoTextFaceSource) {
	load := func(ttf []byte) *text.GoTextFaceSource {
		s, err := text.NewGoTextFaceSource(bytes.NewReader(ttf))
		if err != nil {
			panic(fmt.Sprintf("render: the embedded Go font does not load: %v", err))
		}
		return s
	}
	return load(goregular.TTF), load(gobold.TTF)
})

type faceKey struct {
	size float64
	bold bool
}

// face is a font at one size, with where its capitals sit: texts are
// centred on them, so numbers stand in the middle of their rows.
type face struct {
	face   *text.GoTextFace
	ascent float64 // from the top of the line to the baseline
	capH   float64
}

// faces keeps one face per size and weight. Sizes are whole pixels and
// derive from the screen size, so there are a few dozen of them.
type faces struct {
	mu sync.Mutex
	m  map[faceKey]*face
}

var theFaces = &faces{m: make(map[faceKey]*face)}

func (fs *faces) get(size float64, bold bool) *face {
	k := faceKey{size, bold}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[k]; ok {
		return f
	}
	if len(fs.m) > 200 { // the screen was resized many times: start again
		clear(fs.m)
	}
	regular, b := fonts()
	src := regular
	if bold {
		src = b
	}
	tf := &text.GoTextFace{Source: src, Size: size}
	m := tf.Metrics()
	capH := m.CapHeight
	if capH <= 0 {
		capH = m.HAscent * 0.7
	}
	f := &face{face: tf, ascent: m.HAscent, capH: capH}
	fs.m[k] = f
	return f
}

// Measure is display.Measure with the Go fonts the renderer draws with.
func Measure(s string, size float64, bold bool) float64 {
	if s == "" || size <= 0 {
		return 0
	}
	return text.Advance(s, theFaces.get(size, bold).face)
}

var _ display.Measure = Measure

// painter draws frames; it keeps its buffers from frame to frame so that
// drawing allocates little.
type painter struct {
	mu     sync.Mutex
	white  *ebiten.Image
	glyphs []text.Glyph
	op     ebiten.DrawImageOptions
}

var thePainter painter

// DrawFrame draws f onto dst, from its top left corner. It only draws: it
// changes nothing that the next frame depends on.
func DrawFrame(dst *ebiten.Image, f *display.Frame) {
	thePainter.draw(dst, f)
}

func (p *painter) draw(dst *ebiten.Image, f *display.Frame) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.white == nil {
		// A single white pixel, cut from the middle of a bigger image so
		// that scaling it does not bleed in its neighbours.
		img := ebiten.NewImage(3, 3)
		img.Fill(color.White)
		p.white = img.SubImage(image.Rect(1, 1, 2, 2)).(*ebiten.Image)
	}
	for i := range f.Items {
		it := &f.Items[i]
		if !it.Visible {
			continue
		}
		switch it.Kind {
		case display.KindRect:
			p.rect(dst, it)
		case display.KindText:
			p.text(dst, it)
		}
	}
}

func (p *painter) rect(dst *ebiten.Image, it *display.Item) {
	r := it.Rect
	if r.W <= 0 || r.H <= 0 {
		return
	}
	p.op.GeoM.Reset()
	p.op.GeoM.Scale(r.W, r.H)
	p.op.GeoM.Translate(r.X, r.Y)
	setColor(&p.op.ColorScale, it.Color)
	dst.DrawImage(p.white, &p.op)
}

func (p *painter) text(dst *ebiten.Image, it *display.Item) {
	if it.Text == "" || it.FontSize <= 0 {
		return
	}
	f := theFaces.get(it.FontSize, it.Bold)
	r := it.Rect
	lo := text.LayoutOptions{}
	x := r.X
	switch it.Align {
	case display.AlignCenter:
		lo.PrimaryAlign, x = text.AlignCenter, r.X+r.W/2
	case display.AlignRight:
		lo.PrimaryAlign, x = text.AlignEnd, r.X+r.W
	}
	// The baseline goes where the capitals are centred in the rectangle;
	// whole pixels keep the glyphs sharp.
	baseline := r.Y + r.H/2 + f.capH/2
	x, y := math.Round(x), math.Round(baseline-f.ascent)
	p.glyphs = text.AppendGlyphs(p.glyphs[:0], it.Text, f.face, &lo)
	setColor(&p.op.ColorScale, it.Color)
	w := float64(dst.Bounds().Dx())
	for _, g := range p.glyphs {
		if g.Image == nil {
			continue
		}
		gx := x + g.X
		if gx > w || gx+float64(g.Image.Bounds().Dx()) < 0 {
			continue // the running text outside the screen
		}
		p.op.GeoM.Reset()
		p.op.GeoM.Translate(gx, y+g.Y)
		dst.DrawImage(g.Image, &p.op)
	}
}

// setColor makes cs paint in c. (ScaleWithColor would take c as an
// interface, which allocates for every item of every frame.)
func setColor(cs *ebiten.ColorScale, c display.Color) {
	v := c.RGBA()
	cs.Reset()
	cs.Scale(float32(v.R)/0xff, float32(v.G)/0xff, float32(v.B)/0xff, float32(v.A)/0xff)
}

// Screenshot draws f into an image of its size and reads it back. Ebiten
// reads pixels only while its game loop runs, so call it from a Game's
// Update (the package's tests run inside one); elsewhere it returns an
// error.
func Screenshot(f *display.Frame) (img *image.RGBA, err error) {
	if f.Size.W <= 0 || f.Size.H <= 0 {
		return nil, fmt.Errorf("render: screenshot: empty frame %dx%d", f.Size.W, f.Size.H)
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("render: screenshot: %v (call it while ebiten runs a game, from Update)", r)
		}
	}()
	dst := ebiten.NewImage(f.Size.W, f.Size.H)
	defer dst.Deallocate()
	DrawFrame(dst, f)
	img = image.NewRGBA(image.Rect(0, 0, f.Size.W, f.Size.H))
	dst.ReadPixels(img.Pix)
	return img, nil
}
