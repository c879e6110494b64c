// Package escpos makes the bytes of ESC/POS, the command language of receipt
// printers (Epson and the many printers that copy it), and reads them back.
//
// It only makes bytes: moving them to a printer is the business of
// eq/devices/printer. Every command goes through one raw write of the
// Encoder, so a test can assert the exact bytes of each (GS V 66 0 for a
// partial cut). Printers differ only by a Profile: paper width, code page,
// whether they print QR codes and whether they have a cutter.
//
// Ticket and Receipt lay out the two documents the office prints. Decode
// parses what the Encoder makes into a Document, for tests and for the
// virtual printer, and Render draws a Document as the paper would look.
//
// Code tables are numbered as ESC t selects them on Epson printers: PC866 is
// table 17 and WPC1251 table 46. Clones mostly follow Epson here, but a
// printer that numbers its tables otherwise needs its own CodePage value.
package escpos
