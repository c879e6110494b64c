package queue

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// What visitors type reaches the domain as it is: the booking code at the
// kiosk (the server only trims spaces), and the name and phone of the
// /book page. The seed corpus in testdata/fuzz runs with every `go test`;
// `make fuzz` (scripts/fuzz.sh) searches further.

// codeOffice is an office at 12:25 on Tuesday 24 November 2026 with
// three appointments: 100001 at 12:30 today, ready for check-in; 100002
// on Thursday; 100003 today but cancelled.
func codeOffice(tb testing.TB) (*Engine, *memLog) {
	tb.Helper()
	st, err := NewState(apptOffice())
	if err != nil {
		tb.Fatal(err)
	}
	now := msk("2026-11-24 09:00")
	log := &memLog{}
	eng := NewEngine(st, log, ClockFunc(func() time.Time { return now }), nil)
	n := 100000
	eng.SetCodes(func() string { n++; return fmt.Sprintf("%06d", n) })
	ctx := context.Background()
	if err := eng.Roll(ctx); err != nil {
		tb.Fatal(err)
	}
	for _, start := range []string{"2026-11-24 12:30", "2026-11-26 12:30", "2026-11-24 13:00"} {
		if _, err := eng.Book(ctx, BookRequest{Service: "passport", Start: msk(start), Source: SourceStaff}); err != nil {
			tb.Fatalf("book %s: %v", start, err)
		}
	}
	if _, err := eng.CancelAppointment(ctx, "100003", Actor{Login: "boss", Role: RoleManager}); err != nil {
		tb.Fatal(err)
	}
	now = msk("2026-11-24 12:25")
	return eng, log
}

// digits6 is the documented alphabet and length of a booking code, written
// out apart from the code under test.
func digits6(s string) bool {
	if len(s) != CodeDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FuzzCheckInCode checks that check-in takes exactly the codes of six
// ASCII digits that name an appointment due now, and refuses every other
// string with the right code and without writing an event.
func FuzzCheckInCode(f *testing.F) {
	for _, s := range []string{"100001", "100002", "100003", "999999", "", " 100001", "10000", "1000011",
		"１００００１", "10000l", "١٠٠٠٠١", "100\x00001", "-10000", "+10000", "1e5000", "\xff\xfe\xfd\xfc\xfb\xfa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		eng, log := codeOffice(t)
		before := len(log.events)
		tv, err := eng.CheckIn(context.Background(), Actor{}, code)
		switch {
		case !digits6(code):
			if ErrorCode(err) != EINVALID {
				t.Fatalf("CheckIn(%q) = %v, %v; want %s: a code is %d ASCII digits", code, tv.Number, err, EINVALID, CodeDigits)
			}
		case code == "100001":
			if err != nil {
				t.Fatalf("CheckIn(%q): %v", code, err)
			}
			if tv.Number == "" || tv.Priority != PriorityAppointment || !tv.AppointmentAt.Equal(msk("2026-11-24 12:30")) {
				t.Fatalf("CheckIn(%q) gave ticket %+v, want one for the 12:30 appointment", code, tv)
			}
			if _, again := eng.CheckIn(context.Background(), Actor{}, code); ErrorCode(again) != ECONFLICT {
				t.Errorf("a second check-in with %s: %v, want %s", code, again, ECONFLICT)
			}
			return
		case code == "100002" || code == "100003":
			if ErrorCode(err) != ECONFLICT {
				t.Fatalf("CheckIn(%q) = %v, want %s", code, err, ECONFLICT)
			}
		default:
			if ErrorCode(err) != ENOTFOUND {
				t.Fatalf("CheckIn(%q) = %v, want %s", code, err, ENOTFOUND)
			}
		}
		checkRefusal(t, err)
		if len(log.events) != before {
			t.Errorf("a refused check-in wrote %d events", len(log.events)-before)
		}
	})
}

// FuzzNormalizePhone checks that a phone number comes out as + and 11 to
// 15 of the digits typed, and that normalising it again changes nothing.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"8 (912) 345-67-89", "+7 912 3456789", "(495) 123-45-67", "9123456789", "+44 20 7946 0958",
		"", "   ", "+", "++79123456789", "8-800-555-35-35", "+7 (912) 345‑67‑89", "８９１２３４５６７８９",
		"1234567890123456", "12345", "+7\t912\n345", "\xff8912"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, phone string) {
		got, err := NormalizePhone(phone)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("NormalizePhone(%q): %v, want %s", phone, err, EINVALID)
			}
			checkRefusal(t, err)
			return
		}
		if strings.TrimSpace(phone) == "" {
			if got != "" {
				t.Fatalf("NormalizePhone(%q) = %q, want empty", phone, got)
			}
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) < 12 || len(got) > 16 || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q, want + and 11 to 15 digits", phone, got)
		}
		in := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, phone)
		// The digits typed stay, but for the country code the number was
		// written without (10 digits) or with the 8 of a call inside Russia.
		if d := got[1:]; d != in && d != "7"+in && !(len(in) == 11 && in[0] == '8' && d == "7"+in[1:]) {
			t.Errorf("NormalizePhone(%q) = %q: the digits typed were %s", phone, got, in)
		}
		if again, err := NormalizePhone(got); err != nil || again != got {
			t.Errorf("NormalizePhone(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

// FuzzCleanName checks that a name keeps its words, loses extra spaces,
// holds printable characters only, and that cleaning it again changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Иванов Иван Иванович", "  Иванов \t Иван\u00a0Иванович  ", "", "O'Brien-Smith", "Ёжиков\u200bЁж",
		"И\u0306ванов", strings.Repeat("Я", 100), strings.Repeat("Я", 101), "Иван\nов", "\xd0", "\u202eвонавИ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := cleanName(name)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("cleanName(%q): %v, want %s", name, err, EINVALID)
			}
			checkRefusal(t, err)
			return
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxNameRunes || strings.Join(strings.Fields(got), " ") != got {
			t.Fatalf("cleanName(%q) = %q: want valid UTF-8, at most %d characters, single spaces between words", name, got, maxNameRunes)
		}
		for _, r := range got {
			if !unicode.IsPrint(r) {
				t.Fatalf("cleanName(%q) = %q keeps %U", name, got, r)
			}
		}
		if strings.Join(strings.Fields(name), " ") != got {
			t.Errorf("cleanName(%q) = %q: want only the spaces changed", name, got)
		}
		if again, err := cleanName(got); err != nil || again != got {
			t.Errorf("cleanName(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

// checkRefusal checks that err says what is wrong in Russian and English.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	ru, en := ErrorMessages(err)
	cyr := false
	for _, r := range ru {
		cyr = cyr || unicode.Is(unicode.Cyrillic, r)
	}
	if !cyr || strings.TrimSpace(en) == "" {
		t.Errorf("error %q (%q): want a Russian message and an English one", ru, en)
	}
}
