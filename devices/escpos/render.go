package escpos

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Vertical distances of the rendering, in dots (8 per mm).
const (
	lineSpacing = 30 // the power-on line spacing, 3.75 mm
	lineGap     = 6  // under characters taller than the line spacing
	paperMargin = 16 // above the first line and under the last
	noteCell    = 8  // the width of a character of the annotations
	noteLine    = 16 // the height of a line of the annotations
)

var (
	ink  = color.Gray{Y: 0}    // what the printer prints
	note = color.Gray{Y: 0x70} // what the rendering adds: cut lines, QR payloads
)

// Render draws doc as it would come out of a printer of profile p: white
// paper p.Dots() wide, font A cells of 12×24 dots enlarged by the double
// size factors, each line justified as its first run says, lines wider than
// the paper wrapped as the printer wraps them, a dashed line at each cut
// (a gap in it at a partial cut). Its height follows the content.
//
// Text is set in Go Mono, whose cells, like the printer's, are all the same
// width, so the columns counted by the layout are the columns drawn; it
// covers Cyrillic. There is no QR encoder among the module's dependencies,
// so a QR code is a labelled placeholder of the symbol's size with its
// payload written under it in grey. Text not yet ended by LF, ESC d or a
// cut stays in the printer's buffer and is not drawn, as on paper.
func Render(doc Document, p Profile) *image.Gray {
	l := &layout{width: p.Dots(), y: paperMargin}
	for _, op := range doc.Ops {
		l.op(op)
	}
	img := image.NewGray(image.Rect(0, 0, l.width, l.y+paperMargin))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c := &canvas{img: img, faces: map[faceKey]font.Face{}}
	for _, paint := range l.paints {
		paint(c)
	}
	return img
}

// EncodePNG writes img as a PNG.
func EncodePNG(w io.Writer, img image.Image) error {
	return png.Encode(w, img)
}

// layout places what the ops print, top to bottom; painting is left to
// closures run on the canvas once the height is known.
type layout struct {
	width   int
	y       int
	pending []seg // text of the line being built
	paints  []func(*canvas)
}

type seg struct {
	text  []rune
	style Style
}

func (l *layout) op(op Op) {
	switch op.Kind {
	case OpText:
		l.pending = append(l.pending, seg{[]rune(op.Text), op.Style})
	case OpNewline:
		l.printLine()
	case OpFeed:
		n := op.Lines
		if len(l.pending) > 0 {
			l.printLine()
			n--
		}
		l.y += max(n, 0) * lineSpacing
	case OpQR:
		l.endLine()
		l.qr(op.QR, op.Style.Align)
	case OpCut:
		l.endLine()
		l.cut(op.Cut)
	}
}

// endLine prints the pending text, if any, as a command that needs the start
// of a line does.
func (l *layout) endLine() {
	if len(l.pending) > 0 {
		l.printLine()
	}
}

// printLine prints the pending text and feeds a line (LF), wrapping it
// where it is wider than the paper.
func (l *layout) printLine() {
	if len(l.pending) == 0 {
		l.y += lineSpacing
		return
	}
	var line []seg
	x := 0
	for _, s := range l.pending {
		cw := cellW * s.style.Width
		start := 0
		for i := range s.text {
			if x > 0 && x+cw > l.width {
				if i > start {
					line = append(line, seg{s.text[start:i], s.style})
				}
				l.place(line)
				line, x, start = nil, 0, i
			}
			x += cw
		}
		if len(s.text) > start {
			line = append(line, seg{s.text[start:], s.style})
		}
	}
	l.place(line)
	l.pending = nil
}

// place draws one printed line: justified by its first run, characters of
// different heights standing on one baseline.
func (l *layout) place(line []seg) {
	if len(line) == 0 {
		l.y += lineSpacing
		return
	}
	w, h := 0, 0
	for _, s := range line {
		w += len(s.text) * cellW * s.style.Width
		h = max(h, cellH*s.style.Height)
	}
	x := 0
	switch line[0].style.Align {
	case AlignCenter:
		x = (l.width - w) / 2
	case AlignRight:
		x = l.width - w
	}
	bottom := l.y + h
	for _, s := range line {
		at := image.Pt(x, bottom-cellH*s.style.Height)
		l.paints = append(l.paints, func(c *canvas) { c.text(at, s) })
		x += len(s.text) * cellW * s.style.Width
	}
	l.y += max(lineSpacing, h+lineGap)
}

// qr places the placeholder of a QR code and its payload under it.
func (l *layout) qr(q QRCode, a Alignment) {
	size := qrModules(len(q.Data)) * max(q.ModuleSize, 1)
	x := 0
	switch a {
	case AlignCenter:
		x = (l.width - size) / 2
	case AlignRight:
		x = l.width - size
	}
	box := image.Rect(x, l.y, x+size, l.y+size)
	l.paints = append(l.paints, func(c *canvas) { c.qrPlaceholder(box, q.ModuleSize) })
	l.y += size + 4
	perLine := max(l.width/noteCell, 1)
	for _, s := range chop("QR: "+q.Data, perLine) {
		at := l.y
		l.paints = append(l.paints, func(c *canvas) { c.note(s, at, 0, l.width) })
		l.y += noteLine
	}
	l.y += lineGap
}

// cut draws a dashed line across the paper, with a bridge in the middle
// at a partial cut, which leaves one point uncut.
func (l *layout) cut(m CutMode) {
	l.y += lineGap
	y := l.y
	l.paints = append(l.paints, func(c *canvas) {
		for x := 0; x < l.width; x += 12 {
			if m == PartialCut && x > l.width/2-24 && x < l.width/2+24 {
				continue
			}
			draw.Draw(c.img, image.Rect(x, y, min(x+8, l.width), y+2), image.NewUniform(note), image.Point{}, draw.Src)
		}
	})
	l.y += 2 + lineGap
}

// qrCapacityM is how many bytes a QR code of each version (1..40) holds in
// byte mode at error correction M. The placeholder is sized by it; at other
// levels a real symbol may be a version larger or smaller.
var qrCapacityM = [...]int{14, 26, 42, 62, 84, 106, 122, 152, 180, 213,
	251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
	711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370,
	1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331}

// qrModules is the width in modules of the smallest QR code holding n bytes.
func qrModules(n int) int {
	v := len(qrCapacityM)
	for i, c := range qrCapacityM {
		if n <= c {
			v = i + 1
			break
		}
	}
	return 17 + 4*v
}

// chop cuts s into pieces of at most n runes.
func chop(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return append(out, string(r))
}

// canvas is the paper being painted, with the font faces made for it:
// faces are not safe for concurrent use, so each Render makes its own.
type canvas struct {
	img   *image.Gray
	faces map[faceKey]font.Face
}

type faceKey struct {
	bold bool
	px   float64
}

type fontSet struct{ regular, bold *opentype.Font }

var fonts = sync.OnceValue(func() fontSet {
	parse := func(ttf []byte) *opentype.Font {
		f, err := opentype.Parse(ttf)
		if err != nil {
			panic("escpos: the embedded Go Mono font does not parse: " + err.Error())
		}
		return f
	}
	return fontSet{regular: parse(gomono.TTF), bold: parse(gomonobold.TTF)}
})

// face returns Go Mono at px pixels: at 20 px its advance is 12 dots, the
// width of font A's cell.
func (c *canvas) face(bold bool, px float64) font.Face {
	k := faceKey{bold, px}
	if f, ok := c.faces[k]; ok {
		return f
	}
	src := fonts().regular
	if bold {
		src = fonts().bold
	}
	f, err := opentype.NewFace(src, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic("escpos: Go Mono face: " + err.Error())
	}
	c.faces[k] = f
	return f
}

// text draws a run at the top left corner at: each character in its cell,
// drawn at the run's height and stretched to its width as the printer
// enlarges its dots.
func (c *canvas) text(at image.Point, s seg) {
	w, h := s.style.Width, s.style.Height
	cw, ch := cellW*h, cellH*h // cells of the height's size, before stretching
	mask := image.NewAlpha(image.Rect(0, 0, len(s.text)*cw, ch))
	face := c.face(s.style.Bold, 20*float64(h))
	m := face.Metrics()
	baseline := (fixed.I(ch) - m.Ascent - m.Descent) / 2
	baseline += m.Ascent
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face}
	for i, r := range s.text {
		d.Dot = fixed.Point26_6{X: fixed.I(i * cw), Y: baseline}
		d.DrawString(string(r))
	}
	var src image.Image = mask
	if w != h {
		stretched := image.NewAlpha(image.Rect(0, 0, len(s.text)*cellW*w, ch))
		xdraw.BiLinear.Scale(stretched, stretched.Bounds(), mask, mask.Bounds(), xdraw.Src, nil)
		src = stretched
	}
	r := src.Bounds().Add(at)
	draw.DrawMask(c.img, r, image.NewUniform(ink), image.Point{}, src, image.Point{}, draw.Over)
}

// qrPlaceholder draws a box of the symbol's size with the three finder
// patterns of a QR code, saying inside that it is not one.
func (c *canvas) qrPlaceholder(box image.Rectangle, module int) {
	module = max(module, 1)
	fill := func(r image.Rectangle, col color.Gray) {
		draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
	}
	border := max(module/2, 1)
	fill(box, ink)
	fill(box.Inset(border), color.Gray{Y: 0xff})
	finder := func(x, y int) {
		f := image.Rect(x, y, x+7*module, y+7*module)
		fill(f, ink)
		fill(f.Inset(module), color.Gray{Y: 0xff})
		fill(f.Inset(2*module), ink)
	}
	finder(box.Min.X, box.Min.Y)
	finder(box.Max.X-7*module, box.Min.Y)
	finder(box.Min.X, box.Max.Y-7*module)
	mid := (box.Min.Y + box.Max.Y) / 2
	c.note("QR", mid-noteLine, box.Min.X, box.Max.X)
	c.note("placeholder", mid, box.Min.X, box.Max.X)
}

// note writes an annotation line in grey, centred between x0 and x1.
func (c *canvas) note(s string, top, x0, x1 int) {
	face := c.face(false, noteCell/0.6)
	m := face.Metrics()
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(note), Face: face}
	n := len([]rune(s))
	d.Dot = fixed.Point26_6{
		X: fixed.I(x0 + max((x1-x0-n*noteCell)/2, 0)),
		Y: fixed.I(top) + (fixed.I(noteLine)-m.Ascent-m.Descent)/2 + m.Ascent,
	}
	d.DrawString(strings.TrimRight(s, " "))
}
