package reports

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"eq/queue"
)

// mfcParams is the regulation's promise: 95% of visitors called within 15
// minutes, with a mean service of 15 minutes.
var mfcParams = StaffingParams{MeanService: 15 * time.Minute, Target: 15 * time.Minute, Level: 0.95}

func TestStaffingOfASmallDay(t *testing.T) {
	hours := []StaffingHour{
		{Hour: 8, Arrivals: []int{4, 3, 5}, Open: 2},
		{Hour: 9, Arrivals: []int{28, 30, 32}, Open: 8},
		{Hour: 12, Arrivals: []int{0, 0, 0, 0}, Open: 1},
		{Hour: 13, Arrivals: []int{6, 8, 10}, Open: 6},
	}
	// Every figure by hand, s = t = 15 min so t/s = 1:
	//  08: λ = 4, A = 1. C(2,1) = 1/3, 1 − e⁻¹/3 = 0.877 < 0.95;
	//      C(3,1) = 0.1875/2.0625 = 0.0909, 1 − 0.0909·e⁻² = 0.988: 3 needed.
	//  09: λ = 30, A = 7.5: 9 windows give 0.886, 10 give 0.975 (see
	//      TestWindowsNeeded); the 8 open give 1 − 0.80725·e^−0.5 = 0.5104.
	//  12: no one comes: nothing needed, the open window is spare.
	//  13: λ = 8, A = 2. C(3,2) = 4/9, 1 − (4/9)·e⁻¹ = 0.836;
	//      C(4,2) = 4/23, 1 − (4/23)·e⁻² = 0.976: 4 needed. The 6 open:
	//      C(6,2) = 2/111, 1 − (2/111)·e⁻⁴ = 0.99967.
	want := []StaffingRow{
		{Hour: 8, Days: 3, MeanArrivals: 4, OfferedLoad: 1, WindowsNeeded: 3, WindowsOpen: 2, Gap: 1, ServiceLevelOpen: 1 - math.Exp(-1)/3},
		{Hour: 9, Days: 3, MeanArrivals: 30, OfferedLoad: 7.5, WindowsNeeded: 10, WindowsOpen: 8, Gap: 2, ServiceLevelOpen: 0.510376581},
		{Hour: 12, Days: 4, MeanArrivals: 0, OfferedLoad: 0, WindowsNeeded: 0, WindowsOpen: 1, Gap: -1, ServiceLevelOpen: 1},
		{Hour: 13, Days: 3, MeanArrivals: 8, OfferedLoad: 2, WindowsNeeded: 4, WindowsOpen: 6, Gap: -2, ServiceLevelOpen: 1 - 2.0/111*math.Exp(-4)},
	}
	got, err := Staffing(hours, mfcParams)
	if err != nil {
		t.Fatalf("Staffing: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.ServiceLevelOpen-w.ServiceLevelOpen) > 1e-9 || math.Abs(g.OfferedLoad-w.OfferedLoad) > 1e-12 {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
		g.ServiceLevelOpen, g.OfferedLoad = w.ServiceLevelOpen, w.OfferedLoad
		if g != w {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestStaffingAveragesUnevenDays(t *testing.T) {
	got, err := Staffing([]StaffingHour{{Hour: 10, Arrivals: []int{10, 11}, Open: 3}}, mfcParams)
	if err != nil {
		t.Fatalf("Staffing: %v", err)
	}
	if got[0].MeanArrivals != 10.5 || got[0].OfferedLoad != 2.625 || got[0].Days != 2 {
		t.Errorf("row = %+v, want 10.5 arrivals, 2.625 Erlangs over 2 days", got[0])
	}
}

func TestStaffingOfNoHoursIsEmpty(t *testing.T) {
	got, err := Staffing(nil, mfcParams)
	if err != nil || len(got) != 0 {
		t.Errorf("Staffing(nil) = %v, %v; want no rows and no error", got, err)
	}
}

func TestStaffingRowJSONIsSnakeCase(t *testing.T) {
	b, err := json.Marshal(StaffingRow{Hour: 9, Days: 3, MeanArrivals: 30, OfferedLoad: 7.5, WindowsNeeded: 10, WindowsOpen: 8, Gap: 2, ServiceLevelOpen: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hour":9,"days":3,"mean_arrivals":30,"offered_load":7.5,"windows_needed":10,"windows_open":8,"gap":2,"service_level_open":0.5}`
	if string(b) != want {
		t.Errorf("json = %s\nwant   %s", b, want)
	}
}

func TestStaffingRefuses(t *testing.T) {
	ok := StaffingHour{Hour: 9, Arrivals: []int{30}, Open: 8}
	tests := []struct {
		name   string
		hours  []StaffingHour
		params StaffingParams
		hour   string // the hour the message must name, if any
	}{
		{"an hour past 23", []StaffingHour{{Hour: 24, Arrivals: []int{1}}}, mfcParams, ""},
		{"a negative hour", []StaffingHour{{Hour: -1, Arrivals: []int{1}}}, mfcParams, ""},
		{"an hour given twice", []StaffingHour{ok, ok}, mfcParams, "09:00"},
		{"an hour with no past days", []StaffingHour{{Hour: 11, Open: 1}}, mfcParams, "11:00"},
		{"negative arrivals", []StaffingHour{{Hour: 11, Arrivals: []int{3, -1}}}, mfcParams, "11:00"},
		{"negative open windows", []StaffingHour{{Hour: 11, Arrivals: []int{3}, Open: -1}}, mfcParams, "11:00"},
		{"an hour needing more than 200 windows", []StaffingHour{ok, {Hour: 14, Arrivals: []int{900, 1000}}}, mfcParams, "14:00"},
		{"no service time", []StaffingHour{ok}, StaffingParams{Target: time.Minute, Level: 0.95}, ""},
		{"no level", []StaffingHour{ok}, StaffingParams{MeanService: time.Minute, Target: time.Minute}, ""},
		{"bad parameters even with no hours", nil, StaffingParams{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := Staffing(tt.hours, tt.params)
			if queue.ErrorCode(err) != queue.EINVALID {
				t.Fatalf("Staffing = %v, %v; want an %s error", rows, err, queue.EINVALID)
			}
			ru, en := queue.ErrorMessages(err)
			if !strings.Contains(ru, tt.hour) || !strings.Contains(en, tt.hour) {
				t.Errorf("messages %q, %q: want both to name %q", ru, en, tt.hour)
			}
		})
	}
}
