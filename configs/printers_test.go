package configs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// withPrinter is base with one virtual printer at lines 32–35.
var withPrinter = base + `printers:
  - id: k1
    kiosk_token: kiosk
    virtual: {dir: out}
`

func TestPrinters(t *testing.T) {
	t.Run("a printer gets its defaults", func(t *testing.T) {
		c, err := Parse("test.yaml", []byte(withPrinter))
		if err != nil {
			t.Fatal(err)
		}
		want := Printer{ID: "k1", KioskToken: "kiosk", Model: "generic80", CodePage: "pc866", Transport: TransportVirtual, Dir: "out"}
		if len(c.Printers) != 1 || c.Printers[0] != want {
			t.Fatalf("got %+v, want %+v", c.Printers, want)
		}
	})
	t.Run("a serial printer gets 19200 baud and no parity", func(t *testing.T) {
		src := strings.Replace(withPrinter, "virtual: {dir: out}", "serial: {port: /dev/ttyUSB0}", 1)
		c, err := Parse("test.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if p := c.Printers[0]; p.Transport != TransportSerial || p.Port != "/dev/ttyUSB0" || p.Baud != 19200 || p.Parity != "none" {
			t.Fatalf("got %+v", p)
		}
	})
	tests := []struct {
		name     string
		old, new string
		line     int
		path     string
		contains string
	}{
		{"a printer of an unknown kiosk", "kiosk_token: kiosk", "kiosk_token: other", 34, "printers[0].kiosk_token", "не указан в devices.kiosk_tokens"},
		{"a printer with two connections", "virtual: {dir: out}", "virtual: {dir: out}\n    tcp: {address: 10.0.0.5:9100}", 33, "printers[0]", "ровно одно подключение"},
		{"a printer with no connection", "    virtual: {dir: out}\n", "", 33, "printers[0]", "ровно одно подключение"},
		{"an unknown code page", "    virtual: {dir: out}\n", "    virtual: {dir: out}\n    codepage: koi8\n", 36, "printers[0].codepage", "неизвестная кодовая страница"},
		{"an unknown model", "    virtual: {dir: out}\n", "    virtual: {dir: out}\n    model: epson-tm\n", 36, "printers[0].model", "неизвестная модель"},
		{"an odd baud rate", "virtual: {dir: out}", "serial: {port: /dev/ttyS0, baud: 12345}", 35, "printers[0].serial.baud", "не поддерживается"},
		{"an unknown parity", "virtual: {dir: out}", "serial: {port: /dev/ttyS0, parity: mark}", 35, "printers[0].serial.parity", "чётность"},
		{"a TCP address without a port", "virtual: {dir: out}", "tcp: {address: 10.0.0.5}", 35, "printers[0].tcp.address", "хост:порт"},
		{"a virtual printer without a folder", "virtual: {dir: out}", "virtual: {}", 35, "printers[0].virtual.dir", "обязательное поле"},
		{"two printers for one kiosk", "    virtual: {dir: out}\n", "    virtual: {dir: out}\n  - id: k2\n    kiosk_token: kiosk\n    virtual: {dir: out2}\n", 37, "printers[1].kiosk_token", "уже есть принтер"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if !strings.Contains(withPrinter, tt.old) {
				t.Fatalf("the config does not contain %q", tt.old)
			}
			_, err := Parse("test.yaml", []byte(strings.Replace(withPrinter, tt.old, tt.new, 1)))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			for _, p := range ve.Problems {
				if p.Line == tt.line && p.Path == tt.path && strings.Contains(p.Message, tt.contains) && p.MessageEN != "" {
					return
				}
			}
			t.Errorf("got:\n%v\nwant a problem at line %d, path %q, saying %q", err, tt.line, tt.path, tt.contains)
		})
	}
}

func TestDisplaySettings(t *testing.T) {
	c, err := Parse("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Display.Blink != defaultBlink || c.Display.RunningText.RU != "" {
		t.Fatalf("defaults = %+v", c.Display)
	}
	demo := Demo()
	if demo.Display.RunningText.RU == "" || demo.Display.RunningText.EN == "" || demo.Display.Blink != 10*time.Second {
		t.Fatalf("demo display = %+v", demo.Display)
	}
	_, err = Parse("test.yaml", []byte(base+"display:\n  blink: 1h\n"))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Path != "display.blink" || ve.Problems[0].Line != 33 {
		t.Fatalf("a blink of an hour: %v", err)
	}
}
