package sound

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"eq/queue"
)

func TestWords(t *testing.T) {
	tests := []struct {
		n      int
		ru, en string
	}{
		{0, "ноль", "zero"},
		{1, "один", "one"},
		{2, "два", "two"},
		{5, "пять", "five"},
		{10, "десять", "ten"},
		{11, "одиннадцать", "eleven"},
		{12, "двенадцать", "twelve"},
		{19, "девятнадцать", "nineteen"},
		{20, "двадцать", "twenty"},
		{21, "двадцать один", "twenty-one"},
		{40, "сорок", "forty"},
		{99, "девяносто девять", "ninety-nine"},
		{100, "сто", "one hundred"},
		{101, "сто один", "one hundred one"},
		{110, "сто десять", "one hundred ten"},
		{111, "сто одиннадцать", "one hundred eleven"},
		{121, "сто двадцать один", "one hundred twenty-one"},
		{200, "двести", "two hundred"},
		{340, "триста сорок", "three hundred forty"},
		{999, "девятьсот девяносто девять", "nine hundred ninety-nine"},
	}
	for _, tt := range tests {
		for _, c := range []struct{ lang, want string }{{"ru", tt.ru}, {"en", tt.en}} {
			got, err := Words(c.lang, tt.n)
			if err != nil {
				t.Fatalf("Words(%s, %d): %v", c.lang, tt.n, err)
			}
			if got != c.want {
				t.Errorf("Words(%s, %d) = %q, want %q", c.lang, tt.n, got, c.want)
			}
		}
	}
}

func TestWordsRefusesWhatCannotBeRead(t *testing.T) {
	for _, n := range []int{-1, 1000} {
		if got, err := Words("ru", n); err == nil {
			t.Errorf("Words(ru, %d) = %q, want an error", n, got)
		}
	}
	if _, err := Words("de", 1); err == nil {
		t.Error("Words(de, 1) succeeded, want an error for an unknown language")
	}
}

func TestEveryNumberIsReadFromKnownParts(t *testing.T) {
	for n := 0; n <= MaxNumber; n++ {
		parts := NumberFragments(n)
		sum := 0
		for _, p := range parts {
			if _, ok := Text("ru", p); !ok {
				t.Fatalf("%d uses %s, which has no text", n, p)
			}
			var v int
			if _, err := fmt.Sscanf(p, "num-%d", &v); err != nil {
				t.Fatalf("%d uses %s: %v", n, p, err)
			}
			sum += v
		}
		if sum != n {
			t.Errorf("the parts of %d (%v) add up to %d", n, parts, sum)
		}
	}
}

func TestCompose(t *testing.T) {
	tests := []struct {
		name   string
		lang   string
		number string
		window int
		recall bool
		want   string
	}{
		{"a first call", "ru", "П012", 5, false, "chime ticket letter-п num-12 window num-5"},
		{"a recall begins with again", "ru", "П012", 5, true, "chime again ticket letter-п num-12 window num-5"},
		{"English uses the same names", "en", "П012", 5, false, "chime ticket letter-п num-12 window num-5"},
		{"zero is read as zero", "ru", "Т000", 1, false, "chime ticket letter-т num-0 window num-1"},
		{"a hundred is one part", "ru", "Р100", 10, false, "chime ticket letter-р num-100 window num-10"},
		{"digits are read as one number", "ru", "Н121", 121, false, "chime ticket letter-н num-100 num-20 num-1 window num-100 num-20 num-1"},
		{"a Latin prefix has its own names", "ru", "P007", 3, false, "chime ticket letter-latin-p num-7 window num-3"},
		{"a three-letter prefix reads each letter", "ru", "ЖКХ999", 999, false, "chime ticket letter-ж letter-к letter-х num-900 num-90 num-9 window num-900 num-90 num-9"},
		{"Ё and Й have letters of their own", "ru", "ЁЙ5", 2, false, "chime ticket letter-ё letter-й num-5 window num-2"},
		{"a lower-case number is read as capitals", "ru", "п12", 4, false, "chime ticket letter-п num-12 window num-4"},
		{"more than three digits are fine below 1000", "ru", "П0012", 4, false, "chime ticket letter-п num-12 window num-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compose(tt.lang, tt.number, tt.window, tt.recall)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Fields(tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("Compose(%s, %s, %d, %v)\n got %v\nwant %v", tt.lang, tt.number, tt.window, tt.recall, got, want)
			}
		})
	}
}

func TestComposeReadsAsASentence(t *testing.T) {
	tests := []struct {
		lang, number string
		window       int
		recall       bool
		want         string
	}{
		{"ru", "П012", 5, false, "(сигнал) талон пэ двенадцать окно номер пять"},
		{"ru", "С101", 11, true, "(сигнал) повторно талон эс сто один окно номер одиннадцать"},
		{"en", "П012", 5, false, "(chime) ticket P twelve window number five"},
		{"en", "QW21", 40, true, "(chime) again ticket Q W twenty one window number forty"},
	}
	for _, tt := range tests {
		frags, err := Compose(tt.lang, tt.number, tt.window, tt.recall)
		if err != nil {
			t.Fatal(err)
		}
		words := make([]string, len(frags))
		for i, f := range frags {
			words[i], _ = Text(tt.lang, f)
		}
		if got := strings.Join(words, " "); got != tt.want {
			t.Errorf("%s %s → %d reads %q, want %q", tt.lang, tt.number, tt.window, got, tt.want)
		}
	}
}

func TestComposeRefusesWhatCannotBeRead(t *testing.T) {
	tests := []struct {
		name   string
		lang   string
		number string
		window int
	}{
		{"no digits", "ru", "П", 1},
		{"no letters", "ru", "012", 1},
		{"an empty number", "ru", "", 1},
		{"four letters", "ru", "ПРОБ12", 1},
		{"a number over 999", "ru", "П1000", 1},
		{"a letter after the digits", "ru", "П12А", 1},
		{"a dash", "ru", "П-12", 1},
		{"a letter that is no prefix", "ru", "Ω12", 1},
		{"window 0", "ru", "П012", 0},
		{"a negative window", "ru", "П012", -3},
		{"window 1000", "ru", "П012", 1000},
		{"an unknown language", "de", "П012", 1},
		{"invalid UTF-8", "ru", "\xff12", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compose(tt.lang, tt.number, tt.window, false)
			if err == nil {
				t.Fatalf("Compose(%s, %q, %d) = %v, want an error", tt.lang, tt.number, tt.window, got)
			}
			if code := queue.ErrorCode(err); code != queue.EINVALID {
				t.Errorf("error code %q, want %q (%v)", code, queue.EINVALID, err)
			}
		})
	}
}

func TestEveryPrefixLetterHasAFragment(t *testing.T) {
	var letters []rune
	for r := 'А'; r <= 'Я'; r++ {
		letters = append(letters, r)
	}
	letters = append(letters, 'Ё')
	for r := 'A'; r <= 'Z'; r++ {
		letters = append(letters, r)
	}
	seen := map[string]rune{}
	for _, r := range letters {
		frags, err := Compose("ru", string(r)+"1", 1, false)
		if err != nil {
			t.Fatalf("%c: %v", r, err)
		}
		name := frags[2]
		if other, dup := seen[name]; dup {
			t.Errorf("%c and %c share %s", r, other, name)
		}
		seen[name] = r
		for _, lang := range Languages {
			if text, ok := Text(lang, name); !ok || text == "" {
				t.Errorf("%c: %s has no %s text", r, name, lang)
			}
		}
	}
	if got, want := len(seen), 33+26; got != want {
		t.Errorf("%d letter fragments, want %d", got, want)
	}
}

func TestFragmentsListsEveryName(t *testing.T) {
	for _, lang := range Languages {
		// 4 phrases, 33 Cyrillic and 26 Latin letters, 37 number parts.
		if got, want := len(Fragments(lang)), 4+33+26+37; got != want {
			t.Errorf("%s: %d fragments, want %d", lang, got, want)
		}
	}
	if got := Fragments("de"); got != nil {
		t.Errorf("Fragments(de) = %v, want nil", got)
	}
}
