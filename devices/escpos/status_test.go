package escpos

import (
	"bytes"
	"errors"
	"testing"
)

func TestStatusRequestIsDLEEOT(t *testing.T) {
	for n := byte(1); n <= 4; n++ {
		if got, want := StatusRequest(n), []byte{0x10, 0x04, n}; !bytes.Equal(got, want) {
			t.Errorf("StatusRequest(%d) = % X, want % X", n, got, want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name string
		n, b byte
		want StatusBits
	}{
		{"a ready printer is online", 1, 0x12, StatusBits{}},
		{"offline is bit 3 of status 1", 1, 0x1A, StatusBits{Offline: true}},
		{"cover open is bit 2 of status 2", 2, 0x16, StatusBits{CoverOpen: true}},
		{"the feed button is bit 3 of status 2", 2, 0x1A, StatusBits{FeedButton: true}},
		{"stopped by paper end is bit 5 of status 2", 2, 0x32, StatusBits{PaperEndStop: true}},
		{"an error is bit 6 of status 2", 2, 0x52, StatusBits{Error: true}},
		{"a cutter error is bit 3 of status 3", 3, 0x1A, StatusBits{CutterError: true}},
		{"unrecoverable is bit 5 of status 3", 3, 0x32, StatusBits{Unrecoverable: true}},
		{"auto-recoverable is bit 6 of status 3", 3, 0x52, StatusBits{AutoRecoverable: true}},
		{"paper present", 4, 0x12, StatusBits{}},
		{"paper near end sets bits 2 and 3", 4, 0x1E, StatusBits{PaperNearEnd: true}},
		{"paper near end from one sensor bit", 4, 0x16, StatusBits{PaperNearEnd: true}},
		{"paper end sets bits 5 and 6", 4, 0x72, StatusBits{PaperEnd: true}},
		{"paper end after near end", 4, 0x7E, StatusBits{PaperNearEnd: true, PaperEnd: true}},
		{"bits of another request mean nothing", 1, 0x16, StatusBits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(tt.n, tt.b)
			if err != nil {
				t.Fatalf("ParseStatus(%d, %02X): %v", tt.n, tt.b, err)
			}
			if got != tt.want {
				t.Errorf("ParseStatus(%d, %02X) = %+v, want %+v", tt.n, tt.b, got, tt.want)
			}
		})
	}
}

func TestParseStatusRejectsWhatIsNoStatus(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    byte
	}{
		{"zero", 0x00},
		{"all ones", 0xFF},
		{"bit 0 set", 0x13},
		{"bit 1 clear", 0x10},
		{"bit 4 clear", 0x02},
		{"bit 7 set", 0x92},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseStatus(4, tt.b); !errors.Is(err, ErrBadStatus) {
				t.Errorf("ParseStatus(4, %02X) = %v, want ErrBadStatus", tt.b, err)
			}
		})
	}
	t.Run("an unknown request is another error", func(t *testing.T) {
		if _, err := ParseStatus(5, 0x12); err == nil || errors.Is(err, ErrBadStatus) {
			t.Errorf("ParseStatus(5, 12) = %v", err)
		}
	})
}

func TestStatusResponseIsParsedBack(t *testing.T) {
	for _, f := range statusFlags {
		var s StatusBits
		*f.get(&s) = true
		b, err := StatusResponse(f.n, s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseStatus(f.n, b)
		if err != nil || got != s {
			t.Errorf("%s: StatusResponse = %02X, parsed back as %+v, %v", f.name, b, got, err)
		}
	}
	if b, _ := StatusResponse(4, StatusBits{PaperEnd: true}); b != 0x72 {
		t.Errorf("paper end: got %02X, want 72", b)
	}
	if _, err := StatusResponse(0, StatusBits{}); err == nil {
		t.Error("StatusResponse(0) did not fail")
	}
}

func TestStatusOK(t *testing.T) {
	for _, tt := range []struct {
		s    StatusBits
		want bool
	}{
		{StatusBits{}, true},
		{StatusBits{PaperNearEnd: true}, true},
		{StatusBits{PaperEnd: true}, false},
		{StatusBits{CoverOpen: true}, false},
		{StatusBits{Offline: true}, false},
	} {
		if got := tt.s.OK(); got != tt.want {
			t.Errorf("%v: OK() = %v, want %v", tt.s, got, tt.want)
		}
	}
	if got, want := (StatusBits{CoverOpen: true, PaperEnd: true}).String(), "открыта крышка (cover open); нет бумаги (paper end)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
