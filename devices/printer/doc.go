// Package printer drives the kiosks' ticket printers: it moves the ESC/POS
// bytes that eq/devices/escpos makes to a printer, and knows whether the
// printer can print.
//
// A Transport only moves bytes: Serial (a COM port or a USB printer's
// virtual COM port, through go.bug.st/serial), TCP (a network printer's raw
// port 9100), Virtual (files in a folder, the demo's printer) and Recorder
// (the fake for unit tests). Every read and write has a timeout, because a
// dead printer must never hang a kiosk.
//
// A Printer owns one Transport. Its Run goroutine takes jobs one at a time
// from a bounded queue, so jobs never interleave; asks the printer's
// real-time status (DLE EOT) before each job and every few seconds, so a
// ticket is refused with ErrNotReady, and none of it sent, when there is no
// paper or the cover is open; and reopens the transport after it fails, so
// a printer unplugged and plugged back in prints again by itself. Printer
// models differ by their escpos.Profile, and by WithoutStatus for those
// that do not answer status queries.
package printer
