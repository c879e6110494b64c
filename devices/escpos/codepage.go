package escpos

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// CodePage is a character code table of the printer, valued as ESC t n
// selects it.
type CodePage byte

// Code pages the package can encode and decode.
const (
	// PC437 is table 0, what an Epson printer uses after ESC @ unless its
	// memory switches say otherwise. It has no Cyrillic.
	PC437 CodePage = 0
	// PC866 is table 17, Cyrillic #2: the default of printers sold in Russia.
	PC866 CodePage = 17
	// WPC1251 is table 46, Windows Cyrillic.
	WPC1251 CodePage = 46
)

func (cp CodePage) String() string {
	switch cp {
	case PC437:
		return "PC437"
	case PC866:
		return "PC866"
	case WPC1251:
		return "WPC1251"
	}
	return fmt.Sprintf("CodePage(%d)", byte(cp))
}

// ParseCodePage reads a code page as a configuration names it: "pc866",
// "cp866" or "866"; "wpc1251", "cp1251", "windows-1251" or "1251"; "pc437",
// "cp437" or "437".
func ParseCodePage(s string) (CodePage, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pc866", "cp866", "866", "ibm866":
		return PC866, nil
	case "wpc1251", "cp1251", "1251", "windows-1251":
		return WPC1251, nil
	case "pc437", "cp437", "437":
		return PC437, nil
	}
	return 0, fmt.Errorf("escpos: unknown code page %q (pc866, wpc1251, pc437)", s)
}

func (cp CodePage) charmap() *charmap.Charmap {
	switch cp {
	case PC437:
		return charmap.CodePage437
	case PC866:
		return charmap.CodePage866
	case WPC1251:
		return charmap.Windows1251
	}
	return nil
}

// fallback spells characters a code page may lack with ones it has. It is
// consulted only when the page has no code for the character itself, so «»
// stay «» in WPC1251 and become " in PC866, which has no guillemets.
var fallback = map[rune]string{
	'«': `"`, '»': `"`, '„': `"`, '“': `"`, '”': `"`, '‟': `"`, '″': `"`,
	'‘': "'", '’': "'", '‚': "'", '′': "'",
	'—': "-", '–': "-", '‒': "-", '―': "-", '−': "-", '‐': "-", '‑': "-",
	'…': "...",
	'≈': "~",
	'№': "N",
	'×': "x",
	'•': "*",
	'₽': "р.",
	// Spaces of other widths print as a space.
	'\u00a0': " ", '\u2002': " ", '\u2003': " ", '\u2007': " ", '\u2009': " ", '\u202f': " ",
}

// invisible characters are dropped: they have no glyph on paper.
func invisible(r rune) bool {
	switch r {
	case '\r', '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

// encodeText returns s in code page cp as the printer takes it: NFC first (a
// й typed as и and a combining breve is one character on paper), '\n' as LF,
// a tab as a space, other control characters and whatever the page cannot
// show, even by fallback, as '?'. A ticket never fails over a character, and
// no byte of text can be taken for a command.
func encodeText(cp CodePage, s string) []byte {
	cm := cp.charmap()
	out := make([]byte, 0, len(s))
	one := func(r rune) {
		if r < 0x80 {
			out = append(out, byte(r)) // every table has ASCII at its place
			return
		}
		if cm != nil {
			if b, ok := cm.EncodeRune(r); ok {
				out = append(out, b)
				return
			}
		}
		out = append(out, '?')
	}
	for _, r := range norm.NFC.String(s) {
		switch {
		case r == '\n':
			out = append(out, lf)
		case r == '\t':
			out = append(out, ' ')
		case invisible(r):
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			out = append(out, '?')
		default:
			if cm != nil {
				if b, ok := cm.EncodeRune(r); ok {
					out = append(out, b)
					continue
				}
			}
			if fb, ok := fallback[r]; ok {
				for _, f := range fb {
					one(f)
				}
				continue
			}
			out = append(out, '?')
		}
	}
	return out
}

// printable returns s as the printer will print it in cp, one rune per
// character cell, so that layout can count columns.
func printable(cp CodePage, s string) string {
	return decodeText(cp, encodeText(cp, s))
}

// decodeText turns the bytes of a text run back into a string. LF stays '\n'.
func decodeText(cp CodePage, b []byte) string {
	cm := cp.charmap()
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case cm == nil:
			sb.WriteByte('?')
		default:
			sb.WriteRune(cm.DecodeByte(c))
		}
	}
	return sb.String()
}
