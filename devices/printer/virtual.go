package printer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"eq/devices/escpos"
)

// VirtualConfig is a printer that prints into a folder: the demo office's
// printer, and a way to see a ticket without paper.
type VirtualConfig struct {
	Dir     string         // created if missing
	Profile escpos.Profile // paper width and code page of the pictures
}

// Virtual is a Transport that writes each job's bytes to DIR/<name>.bin and
// a picture of the paper to DIR/<name>.png (escpos.Decode, escpos.Render).
// It answers status queries as a printer with paper, cover shut and nothing
// wrong, so a Printer on it behaves as on a healthy real one.
type Virtual struct {
	cfg VirtualConfig

	mu      sync.Mutex
	open    bool
	pending []byte // answers to status queries
	seq     int
}

var _ JobWriter = (*Virtual)(nil)

// NewVirtual returns a virtual printer writing into cfg.Dir.
func NewVirtual(cfg VirtualConfig) *Virtual {
	return &Virtual{cfg: cfg}
}

// Dir returns the folder the files go to.
func (v *Virtual) Dir() string { return v.cfg.Dir }

func (v *Virtual) String() string { return "virtual " + v.cfg.Dir }

func (v *Virtual) fail(op string, err error) error {
	return &TransportError{Kind: "virtual", Addr: v.cfg.Dir, Op: op, Err: err}
}

// Open creates the folder.
func (v *Virtual) Open(ctx context.Context) error {
	if err := os.MkdirAll(v.cfg.Dir, 0o755); err != nil {
		return v.fail("open", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.open, v.pending = true, nil
	return nil
}

// Write answers a status query; other bytes, written outside a job, are
// kept as a job of their own so that nothing sent is lost.
func (v *Virtual) Write(p []byte, timeout time.Duration) error {
	v.mu.Lock()
	if !v.open {
		v.mu.Unlock()
		return v.fail("write", ErrClosed)
	}
	if _, ok := statusQuery(p); ok {
		v.pending = append(v.pending, statusOK)
		v.mu.Unlock()
		return nil
	}
	v.mu.Unlock()
	return v.WriteJob(Job{Data: p}, timeout)
}

// WriteJob writes DIR/<name>.bin and DIR/<name>.png, replacing the files of
// an earlier job of the same name (a reprinted ticket). A job without a
// name gets one from the time. Each file appears whole (written aside, then
// renamed), so a page showing the latest ticket never reads half a file.
// The .bin is kept even when the bytes cannot be decoded, to look at.
func (v *Virtual) WriteJob(job Job, timeout time.Duration) error {
	v.mu.Lock()
	if !v.open {
		v.mu.Unlock()
		return v.fail("write", ErrClosed)
	}
	v.seq++
	name := fileName(job.Name)
	if name == "" {
		name = fmt.Sprintf("job-%s-%03d", time.Now().Format("20060102-150405"), v.seq)
	}
	v.mu.Unlock()

	base := filepath.Join(v.cfg.Dir, name)
	if err := writeFileAtomic(base+".bin", job.Data); err != nil {
		return v.fail("write", err)
	}
	doc, err := escpos.Decode(job.Data, v.cfg.Profile.CodePage)
	if err != nil {
		return v.fail("write", fmt.Errorf("%s.bin: %w", name, err))
	}
	var png bytes.Buffer
	if err := escpos.EncodePNG(&png, escpos.Render(doc, v.cfg.Profile)); err != nil {
		return v.fail("write", err)
	}
	if err := writeFileAtomic(base+".png", png.Bytes()); err != nil {
		return v.fail("write", err)
	}
	return nil
}

// Read returns the answers to status queries; with none pending it fails at
// once with ErrTimeout, since nothing else will ever come.
func (v *Virtual) Read(p []byte, timeout time.Duration) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.open {
		return 0, v.fail("read", ErrClosed)
	}
	if len(v.pending) == 0 {
		return 0, v.fail("read", ErrTimeout)
	}
	n := copy(p, v.pending)
	v.pending = v.pending[n:]
	return n, nil
}

// Close closes the virtual printer; the files stay.
func (v *Virtual) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.open, v.pending = false, nil
	return nil
}

// fileName makes a job name safe as a file name on any system: no
// separators, nothing Windows forbids, no leading dots. Cyrillic stays, so
// the files are named like the tickets.
func fileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
	return strings.Trim(name, ". ")
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	// CreateTemp makes the file private; a ticket picture is not a secret.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
