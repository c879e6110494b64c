package escpos

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden pins the bytes of whole documents. A change of layout shows in
// the .txt next to each .bin, which lists the decoded ops and dumps the
// bytes; after checking it, rewrite them with
//
//	go test ./devices/escpos -update
func TestGolden(t *testing.T) {
	wpc := Generic80
	wpc.CodePage = WPC1251
	tests := []struct {
		file string
		p    Profile
		make func(Profile) []byte
	}{
		{"ticket_pc866", Generic80, func(p Profile) []byte { return Ticket(p, sampleTicket()) }},
		{"ticket_wpc1251", wpc, func(p Profile) []byte { return Ticket(p, sampleTicket()) }},
		{"ticket_58mm", Generic58, func(p Profile) []byte { return Ticket(p, sampleTicket()) }},
		{"ticket_basic58", Basic58, func(p Profile) []byte { return Ticket(p, sampleTicket()) }},
		{"receipt", Generic80, func(p Profile) []byte { return Receipt(p, sampleReceipt()) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := tt.make(tt.p)
			doc, err := Decode(got, PC866)
			if err != nil {
				t.Fatal(err)
			}
			dump := []byte("# " + tt.p.Name + ", " + tt.p.CodePage.String() + ": the decoded ops, then the bytes\n\n" +
				doc.String() + "\n" + hex.Dump(got))
			check(t, filepath.Join("testdata", tt.file+".bin"), got)
			check(t, filepath.Join("testdata", tt.file+".txt"), dump)
		})
	}
}

func check(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s differs from byte %d (got %d bytes, want %d); see the .txt, and run go test -update if the change is meant",
			path, i, len(got), len(want))
	}
}
