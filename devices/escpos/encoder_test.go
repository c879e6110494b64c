package escpos

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// hx reads bytes written as hex pairs, "1D 56 42 00", for tables that look
// like the manual.
func hx(s string) []byte {
	var b []byte
	for _, f := range strings.Fields(s) {
		var c byte
		if _, err := fmt.Sscanf(f, "%02X", &c); err != nil {
			panic("bad hex " + f)
		}
		b = append(b, c)
	}
	return b
}

func TestEncoderCommands(t *testing.T) {
	tests := []struct {
		name string
		do   func(e *Encoder)
		want string
	}{
		{"Init is ESC @", func(e *Encoder) { e.Init() }, "1B 40"},
		{"PC866 is ESC t 17", func(e *Encoder) { e.SetCodePage(PC866) }, "1B 74 11"},
		{"WPC1251 is ESC t 46", func(e *Encoder) { e.SetCodePage(WPC1251) }, "1B 74 2E"},
		{"align left is ESC a 0", func(e *Encoder) { e.Align(AlignLeft) }, "1B 61 00"},
		{"align center is ESC a 1", func(e *Encoder) { e.Align(AlignCenter) }, "1B 61 01"},
		{"align right is ESC a 2", func(e *Encoder) { e.Align(AlignRight) }, "1B 61 02"},
		{"bold on is ESC E 1", func(e *Encoder) { e.Bold(true) }, "1B 45 01"},
		{"bold off is ESC E 0", func(e *Encoder) { e.Bold(false) }, "1B 45 00"},
		{"normal size is GS ! 0", func(e *Encoder) { e.Size(1, 1) }, "1D 21 00"},
		{"double size is GS ! 17", func(e *Encoder) { e.Size(2, 2) }, "1D 21 11"},
		{"4x4 is GS ! 51", func(e *Encoder) { e.Size(4, 4) }, "1D 21 33"},
		{"width and height are apart", func(e *Encoder) { e.Size(1, 3) }, "1D 21 02"},
		{"sizes out of range are clamped", func(e *Encoder) { e.Size(0, 9) }, "1D 21 07"},
		{"feed is ESC d n", func(e *Encoder) { e.Feed(3) }, "1B 64 03"},
		{"a feed of nothing is nothing", func(e *Encoder) { e.Feed(0) }, ""},
		{"a long feed is split at 255", func(e *Encoder) { e.Feed(300) }, "1B 64 FF 1B 64 2D"},
		{"partial cut is GS V 66 0", func(e *Encoder) { e.Cut(PartialCut) }, "1D 56 42 00"},
		{"full cut is GS V 65 0", func(e *Encoder) { e.Cut(FullCut) }, "1D 56 41 00"},
		{"line ends with LF", func(e *Encoder) { e.Line("A1") }, "41 31 0A"},
		{"text has no LF", func(e *Encoder) { e.Text("A1") }, "41 31"},
		{"Паспорт in PC866", func(e *Encoder) { e.SetCodePage(PC866); e.Text("Паспорт") }, "1B 74 11 8F A0 E1 AF AE E0 E2"},
		{"Паспорт in WPC1251", func(e *Encoder) { e.SetCodePage(WPC1251); e.Text("Паспорт") }, "1B 74 2E CF E0 F1 EF EE F0 F2"},
		{"QR is five GS ( k commands", func(e *Encoder) { e.QR("https://x.ru", 6) },
			"1D 28 6B 04 00 31 41 32 00 " + // model 2
				"1D 28 6B 03 00 31 43 06 " + // module 6 dots
				"1D 28 6B 03 00 31 45 31 " + // error correction M
				"1D 28 6B 0F 00 31 50 30 68 74 74 70 73 3A 2F 2F 78 2E 72 75 " + // store 12 bytes: pL = 12+3
				"1D 28 6B 03 00 31 51 30"}, // print
		{"an empty QR is nothing", func(e *Encoder) { e.QR("", 6) }, ""},
		{"QR module size is clamped", func(e *Encoder) { e.QR("1", 40) },
			"1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 10 1D 28 6B 03 00 31 45 31 1D 28 6B 04 00 31 50 30 31 1D 28 6B 03 00 31 51 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder(PC866)
			tt.do(e)
			if got, want := e.Bytes(), hx(tt.want); !bytes.Equal(got, want) {
				t.Errorf("got % X, want % X", got, want)
			}
		})
	}
}

func TestQRLengthIsLittleEndianOverTwoBytes(t *testing.T) {
	e := &Encoder{}
	e.QR(strings.Repeat("a", 300), 4)
	// 300 bytes + cn fn m = 303 = 0x012F: pL 2F, pH 01.
	store := hx("1D 28 6B 2F 01 31 50 30")
	if !bytes.Contains(e.Bytes(), store) {
		t.Errorf("no store command % X in % X", store, e.Bytes())
	}
}

func TestQRTooLongForASymbolIsLeftOut(t *testing.T) {
	e := &Encoder{}
	e.QR(strings.Repeat("a", qrMaxBytes+1), 4)
	if got := e.Bytes(); len(got) != 0 {
		t.Errorf("got %d bytes, want none", len(got))
	}
}

func TestInitReturnsToTheDefaultCodePage(t *testing.T) {
	e := NewEncoder(PC866)
	e.SetCodePage(WPC1251)
	e.Init()
	e.Text("Я")
	if got, want := e.Bytes(), hx("1B 74 2E 1B 40 9F"); !bytes.Equal(got, want) {
		t.Errorf("got % X, want % X (Я in PC866)", got, want)
	}
}

func TestBytesIsACopy(t *testing.T) {
	e := &Encoder{}
	e.Init()
	b := e.Bytes()
	b[0] = 0
	if e.Bytes()[0] != esc {
		t.Error("changing what Bytes returned changed the Encoder")
	}
}

func TestTextEncoding(t *testing.T) {
	tests := []struct {
		name string
		cp   CodePage
		in   string
		want string
	}{
		{"Cyrillic in PC866", PC866, "Паспорт", "8F A0 E1 AF AE E0 E2"},
		{"Cyrillic in WPC1251", WPC1251, "Паспорт", "CF E0 F1 EF EE F0 F2"},
		{"Ё in PC866", PC866, "Ёё", "F0 F1"},
		{"Ё in WPC1251", WPC1251, "Ёё", "A8 B8"},
		{"guillemets become quotes in PC866, which lacks them", PC866, "«А»", `22 80 22`},
		{"guillemets stay in WPC1251", WPC1251, "«А»", "AB C0 BB"},
		{"an em dash becomes a hyphen in PC866", PC866, "а—б", "A0 2D A1"},
		{"an em dash stays in WPC1251", WPC1251, "а—б", "E0 97 E1"},
		{"№ is in PC866", PC866, "№", "FC"},
		{"№ is in WPC1251", WPC1251, "№", "B9"},
		{"an ellipsis is three dots in PC866", PC866, "…", "2E 2E 2E"},
		{"≈ becomes a tilde", PC866, "≈", "7E"},
		{"what no page has is a question mark", PC866, "a😀日b", "61 3F 3F 62"},
		{"no Cyrillic in PC437", PC437, "Да", "3F 3F"},
		{"a decomposed й is one character", PC866, "и\u0306", "A9"},
		{"ESC in text cannot become a command", PC866, "a\x1bb", "61 3F 62"},
		{"a tab is a space", PC866, "a\tb", "61 20 62"},
		{"a newline is LF", PC866, "a\nb", "61 0A 62"},
		{"a soft hyphen is dropped", PC866, "пере\u00adнос", "AF A5 E0 A5 AD AE E1"},
		{"DEL and C1 controls are question marks", PC866, "\x7f\u0085", "3F 3F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := encodeText(tt.cp, tt.in), hx(tt.want); !bytes.Equal(got, want) {
				t.Errorf("encodeText(%v, %q) = % X, want % X", tt.cp, tt.in, got, want)
			}
		})
	}
}

func TestParseCodePage(t *testing.T) {
	for in, want := range map[string]CodePage{"pc866": PC866, "CP866": PC866, "866": PC866,
		"wpc1251": WPC1251, "windows-1251": WPC1251, "1251": WPC1251, "pc437": PC437} {
		if got, err := ParseCodePage(in); err != nil || got != want {
			t.Errorf("ParseCodePage(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseCodePage("koi8-r"); err == nil {
		t.Error("koi8-r parsed")
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		width  int
		indent int
		want   []string
	}{
		{"short text is one line", "Выдача паспорта", 20, 0, []string{"Выдача паспорта"}},
		{"breaks at spaces", "Выдача и замена паспорта", 15, 0, []string{"Выдача и замена", "паспорта"}},
		{"spaces collapse", "  а   б  ", 10, 0, []string{"а б"}},
		{"a long word is split", "абвгдежзий", 4, 0, []string{"абвг", "дежз", "ий"}},
		{"hanging lines are indented", "1. один два три", 8, 3, []string{"1. один", "   два", "   три"}},
		{"a long word after an indent is split within the width", "1. абвгдежзий", 8, 3, []string{"1.", "   абвгд", "   ежзий"}},
		{"a large indent shrinks", "метка: раз два", 10, 7, []string{"метка: раз", "  два"}},
		{"a no-break space holds", "12\u00a0мин", 3, 0, []string{"12\u00a0", "мин"}},
		{"nothing is no lines", " ", 10, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hanging(tt.in, tt.width, tt.indent)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, l := range got {
				if n := len([]rune(l)); n > tt.width {
					t.Errorf("line %q is %d wide, more than %d", l, n, tt.width)
				}
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	for _, tt := range []struct {
		p    Profile
		dots int
	}{{Generic80, 576}, {Generic58, 384}, {Basic58, 384}} {
		if got := tt.p.Dots(); got != tt.dots {
			t.Errorf("%s: Dots() = %d, want %d", tt.p.Name, got, tt.dots)
		}
		if got, ok := ProfileByName(strings.ToUpper(tt.p.Name)); !ok || got != tt.p {
			t.Errorf("ProfileByName(%q) = %v, %v", tt.p.Name, got, ok)
		}
	}
	if _, ok := ProfileByName("tm-t88"); ok {
		t.Error("an unknown profile was found")
	}
}
