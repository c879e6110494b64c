package escpos

import "strings"

// Profile is what the layout needs to know about a printer model.
type Profile struct {
	Name string
	// Columns is the number of characters of font A (12×24 dots) on a line:
	// 48 on 80 mm paper, 32 on 58 mm paper.
	Columns int
	// CodePage is the code table text is printed in; Ticket and Receipt
	// select it after ESC @ whatever the printer's default.
	CodePage CodePage
	// QR is true when the printer prints QR codes (GS ( k); without it the
	// layout prints the address as text.
	QR bool
	// Cut is true when the printer has an auto-cutter; without it the
	// layout feeds the paper past the tear bar instead of cutting.
	Cut bool
}

// Profiles of printers that follow Epson's ESC/POS.
var (
	// Generic80 is an 80 mm kiosk printer with a cutter and QR codes.
	Generic80 = Profile{Name: "generic80", Columns: 48, CodePage: PC866, QR: true, Cut: true}
	// Generic58 is a 58 mm printer with a cutter and QR codes.
	Generic58 = Profile{Name: "generic58", Columns: 32, CodePage: PC866, QR: true, Cut: true}
	// Basic58 is a cheap 58 mm printer: no cutter, no QR codes.
	Basic58 = Profile{Name: "basic58", Columns: 32, CodePage: PC866}
)

// ProfileByName returns one of the ready profiles by its Name, ignoring case,
// so a configuration can name the printer model.
func ProfileByName(name string) (Profile, bool) {
	for _, p := range []Profile{Generic80, Generic58, Basic58} {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Profile{}, false
}

// Dots is the printable width in dots: font A is 12 dots wide, so 576 dots
// (72 mm at 8 dots/mm) on 80 mm paper and 384 on 58 mm paper.
func (p Profile) Dots() int { return p.columns() * cellW }

func (p Profile) columns() int {
	if p.Columns < 1 {
		return 1
	}
	return p.Columns
}

// Font A's character cell, in dots.
const (
	cellW = 12
	cellH = 24
)
