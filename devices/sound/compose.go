package sound

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"eq/queue"
)

// Fragment names that are not letters or numbers. Names are the same in
// every language: a bank's ru/ticket.wav says "талон", its en/ticket.wav
// says "ticket".
const (
	FragmentChime  = "chime"  // the two-tone chime before every announcement
	FragmentAgain  = "again"  // "повторно": the call is a recall
	FragmentTicket = "ticket" // "талон"
	FragmentWindow = "window" // "окно номер"
)

// Languages are the languages Compose speaks, the folders of a bank.
var Languages = []string{"ru", "en"}

// MaxNumber is the largest ticket or window number that can be read.
const MaxNumber = 999

// maxPrefix is the longest prefix a ticket number may have, as the office
// config allows.
const maxPrefix = 3

// Compose returns the fragments that announce a call of ticket number (a
// prefix of 1–3 Cyrillic or Latin letters and its digits, e.g. "П012") to
// window: the chime, "повторно" if recall, "талон", each letter of the
// prefix, the digits read as one number, "окно номер" and the window read as
// a number. "П012" to window 5 is
//
//	chime ticket letter-п num-12 window num-5
//
// which the ru bank says as "Талон П двенадцать — окно номер пять" and the
// en bank as "Ticket P twelve, window number five".
func Compose(lang, number string, window int, recall bool) ([]string, error) {
	if !knownLanguage(lang) {
		return nil, queue.Errorf(queue.EINVALID, "неизвестный язык объявлений %q (ru, en)",
			"unknown announcement language %q (ru, en)", lang)
	}
	letters, n, err := parseNumber(number)
	if err != nil {
		return nil, err
	}
	if window < 1 || window > MaxNumber {
		return nil, queue.Errorf(queue.EINVALID, "номер окна %d нельзя объявить: нужен от 1 до %d",
			"window %d cannot be announced: it must be 1 to %d", window, MaxNumber)
	}
	out := []string{FragmentChime}
	if recall {
		out = append(out, FragmentAgain)
	}
	out = append(out, FragmentTicket)
	for _, r := range letters {
		out = append(out, letterFragment(r))
	}
	out = append(out, NumberFragments(n)...)
	out = append(out, FragmentWindow)
	return append(out, NumberFragments(window)...), nil
}

// parseNumber splits a ticket number into its prefix's letters, upper
// case, and the value of its digits.
func parseNumber(number string) ([]rune, int, error) {
	bad := func(why, whyEN string) ([]rune, int, error) {
		return nil, 0, queue.Errorf(queue.EINVALID, "номер талона %[1]q нельзя прочитать: %[2]s",
			"ticket number %[1]q cannot be read: %[3]s", number, why, whyEN)
	}
	if !utf8.ValidString(number) {
		return bad("не UTF-8", "not UTF-8")
	}
	var letters []rune
	rest := number
	for rest != "" {
		r, size := utf8.DecodeRuneInString(rest)
		if _, ok := letterNames[upper(r)]; !ok {
			break
		}
		letters = append(letters, upper(r))
		rest = rest[size:]
	}
	switch {
	case len(letters) == 0:
		return bad("нет буквы в начале", "no letter at the start")
	case len(letters) > maxPrefix:
		return bad(fmt.Sprintf("больше %d букв", maxPrefix), fmt.Sprintf("more than %d letters", maxPrefix))
	case rest == "":
		return bad("нет цифр", "no digits")
	}
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			return bad(fmt.Sprintf("после букв не только цифры (%q)", r),
				fmt.Sprintf("not only digits after the letters (%q)", r))
		}
		if n = n*10 + int(r-'0'); n > MaxNumber {
			return bad(fmt.Sprintf("число больше %d", MaxNumber), fmt.Sprintf("the number is over %d", MaxNumber))
		}
	}
	return letters, n, nil
}

// upper maps the lower-case letters that can be prefixes to capitals; the
// office's prefixes are capitals, but a hand-typed number may not be.
func upper(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z':
		return r - 'a' + 'A'
	case r >= 'а' && r <= 'я':
		return r - 'а' + 'А'
	case r == 'ё':
		return 'Ё'
	}
	return r
}

// NumberFragments returns the parts that read n (0–999) as a whole number:
// hundreds, then tens, then units, or one part for 10–19. 121 is num-100
// num-20 num-1, "сто двадцать один"; 0 is num-0. It panics outside 0–999,
// which Compose never passes.
func NumberFragments(n int) []string {
	if n < 0 || n > MaxNumber {
		panic(fmt.Sprintf("sound: number %d out of 0–%d", n, MaxNumber))
	}
	if n == 0 {
		return []string{numFragment(0)}
	}
	var out []string
	if h := n / 100 * 100; h > 0 {
		out = append(out, numFragment(h))
	}
	switch r := n % 100; {
	case r == 0:
	case r < 20:
		out = append(out, numFragment(r))
	default:
		out = append(out, numFragment(r/10*10))
		if u := r % 10; u > 0 {
			out = append(out, numFragment(u))
		}
	}
	return out
}

// Words returns how a bank in lang reads n (0–999): "сто двадцать один",
// "one hundred twenty-one".
func Words(lang string, n int) (string, error) {
	if !knownLanguage(lang) {
		return "", queue.Errorf(queue.EINVALID, "неизвестный язык %q", "unknown language %q", lang)
	}
	if n < 0 || n > MaxNumber {
		return "", queue.Errorf(queue.EINVALID, "число %d нельзя прочитать: нужно от 0 до %d",
			"%d cannot be read: it must be 0 to %d", n, MaxNumber)
	}
	parts := NumberFragments(n)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			// English writes twenty-one; the bank still says two parts.
			if lang == "en" && n%100 > 20 && i == len(parts)-1 && n%10 != 0 {
				b.WriteByte('-')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(texts[lang][p])
	}
	return b.String(), nil
}

// Fragments returns, sorted, every fragment name Compose may ask for in
// lang: what a bank must hold. The chime is among them but a bank may leave
// it out (see LoadBank).
func Fragments(lang string) []string {
	if !knownLanguage(lang) {
		return nil
	}
	out := make([]string, 0, len(texts[lang]))
	for name := range texts[lang] {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Text returns what fragment name says in lang, "" and false for a name
// Compose never asks for. It is what a centre records for the name, and
// what the generator asks espeak-ng to say.
func Text(lang, name string) (string, bool) {
	t, ok := texts[lang][name]
	return t, ok
}

func knownLanguage(lang string) bool {
	_, ok := texts[lang]
	return ok
}

func numFragment(n int) string { return fmt.Sprintf("num-%d", n) }

// letterFragment names a prefix letter: letter-п for the Cyrillic П,
// letter-latin-p for the Latin P, so that letters that look alike (Р and
// P, С and C) never share a file.
func letterFragment(r rune) string {
	if r >= 'A' && r <= 'Z' {
		return "letter-latin-" + string(r-'A'+'a')
	}
	if r == 'Ё' {
		return "letter-ё"
	}
	return "letter-" + string(r-'А'+'а')
}
