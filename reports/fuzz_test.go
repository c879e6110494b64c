package reports_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"eq/queue"
	"eq/reports"
)

// FuzzReportParams reads the query parameters of GET /api/v1/reports as
// the server does: the grouping, the language and the period with its
// defaults. The seed corpus in testdata/fuzz runs with every `go test`;
// `make fuzz` (scripts/fuzz.sh) searches further.
func FuzzReportParams(f *testing.F) {
	for _, s := range [][4]string{
		{"", "", "", "ru"}, {"day", "2026-11-01", "2026-11-30", "en"}, {"operator", "", "2026-02-28", "ru"},
		{"Day", "2026-11-30", "2026-11-01", "RU"}, {"hour ", "2026-13-01", "9999-12-31", "de"},
		{"service\x00", "0001-01-01", "", ""}, {"окно", "2026-1-1", "26-11-01", "ру"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 22, 30, 0, 0, time.UTC) // already the 24th in Moscow
	f.Fuzz(func(t *testing.T, by, from, to, lang string) {
		g, err := reports.ParseGroupBy(by)
		switch {
		case err != nil:
			if queue.ErrorCode(err) != queue.EINVALID || slices.Contains(reports.GroupBys, reports.GroupBy(by)) || by == "" {
				t.Errorf("ParseGroupBy(%q): %v", by, err)
			}
		case by == "" && g != reports.ByDay, by != "" && string(g) != by, !slices.Contains(reports.GroupBys, g):
			t.Errorf("ParseGroupBy(%q) = %q", by, g)
		}
		if err := reports.CheckLang(lang); (err == nil) != (lang == "ru" || lang == "en") {
			t.Errorf("CheckLang(%q) = %v", lang, err)
		}

		gotFrom, gotTo := reports.DefaultPeriod(from, to, now, loc)
		wantTo := to
		if to == "" {
			wantTo = "2026-11-24"
		}
		if gotTo != wantTo {
			t.Errorf("DefaultPeriod(%q, %q): to = %q, want %q", from, to, gotTo, wantTo)
		}
		switch end, err := time.Parse(time.DateOnly, gotTo); {
		case from != "":
			if gotFrom != from {
				t.Errorf("DefaultPeriod(%q, %q): from = %q, want it kept", from, to, gotFrom)
			}
		case err != nil:
			if gotFrom != gotTo {
				t.Errorf("DefaultPeriod(%q, %q) = %q, %q: an unreadable end makes the period that one day", from, to, gotFrom, gotTo)
			}
		default:
			// The month so far: from the first of the end's month.
			if want := end.AddDate(0, 0, 1-end.Day()).Format(time.DateOnly); gotFrom != want || !strings.HasSuffix(gotFrom, "-01") || gotFrom > gotTo {
				t.Errorf("DefaultPeriod(%q, %q) = %q, %q; want from %s", from, to, gotFrom, gotTo, want)
			}
		}
		// The period in the title of every report names both days.
		if a, errA := time.Parse(time.DateOnly, gotFrom); errA == nil && lang == "ru" {
			if b, errB := time.Parse(time.DateOnly, gotTo); errB == nil {
				p := reports.Period(gotFrom, gotTo, lang)
				if !strings.Contains(p, a.Format("02.01.2006")) || !strings.Contains(p, b.Format("02.01.2006")) {
					t.Errorf("Period(%q, %q) = %q", gotFrom, gotTo, p)
				}
			}
		}
	})
}
