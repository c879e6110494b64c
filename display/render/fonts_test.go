package render

import (
	"testing"

	"github.com/hajimehoshi/ebiten/v2/text/v2"
)

// The Go fonts must have every letter the boards show: a missing one would
// be drawn as an empty box.
func TestFontsHaveRussianLetters(t *testing.T) {
	const letters = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя«»—–→≈…№"
	regular, bold := fonts()
	for _, src := range []*text.GoTextFaceSource{regular, bold} {
		face := &text.GoTextFace{Source: src, Size: 20}
		for _, g := range text.AppendGlyphs(nil, letters, face, nil) {
			if g.GID == 0 {
				t.Errorf("%s: no glyph for %q", src.Metadata().Family, letters[g.StartIndexInBytes:g.EndIndexInBytes])
			}
		}
	}
}
