package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LockSuffix is added to a database's path to name its lock file.
const LockSuffix = ".lock"

// DBLock is one process's hold on a database: while it is held, no other
// server and no restore can take the same database. It is an flock(2) on
// the lock file next to the database, so the kernel drops it when the
// process ends in any way, SIGKILL and power cuts included: a dead server
// never leaves a lock behind that stops the next start.
type DBLock struct {
	f        *os.File
	path     string
	writable bool // the holder is written into the file, and cleared on Close
}

// lockFileMode lets every user read who holds a database: a person
// starting a second server as another user still learns its PID.
const lockFileMode = 0o644

// Holder is who holds a lock, as the holder wrote it into the lock file.
type Holder struct {
	PID   int       `json:"pid"`
	Owner string    `json:"owner"` // e.g. "eq serve 127.0.0.1:8080"
	Since time.Time `json:"since"`
}

// LockedError is what Lock returns when another process holds the
// database. Holder is zero when the lock file could not be read, as
// happens if the holder is a moment from writing it.
type LockedError struct {
	DB     string
	Holder Holder
}

// Error says who holds the database, Russian first: this goes straight to
// the person who started the second server.
func (e *LockedError) Error() string {
	who, whoEN := "другой процесс", "another process"
	if h := e.Holder; h.PID != 0 {
		owner := h.Owner
		if owner == "" {
			owner = "eq"
		}
		since := h.Since.Local().Format(time.DateTime)
		who = fmt.Sprintf("другой процесс: %s, PID %d, с %s", owner, h.PID, since)
		whoEN = fmt.Sprintf("another process: %s, PID %d, since %s", owner, h.PID, since)
	}
	return fmt.Sprintf("база данных %s занята — её держит %s; остановите его и повторите "+
		"(the database %s is in use — it is held by %s; stop it and try again)", e.DB, who, e.DB, whoEN)
}

// Lock takes the lock of the database at dbPath for this process, or
// returns a *LockedError at once if another holds it. owner says who takes
// it, for the message the next one to try gets. The lock file's directory
// is made if missing, as Open makes the database's.
func Lock(dbPath, owner string) (*DBLock, error) {
	if dbPath == "" {
		return nil, errors.New("store: lock: empty path")
	}
	path := realPath(dbPath) + LockSuffix
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	// Go opens files close-on-exec, so a program the server starts (the
	// display renderer) never inherits the lock and never outlives it.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, lockFileMode)
	writable := err == nil
	if errors.Is(err, fs.ErrPermission) {
		// flock needs no write access: a lock file another user made (root
		// running eq restore) still locks, it just cannot say who holds it.
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{DB: dbPath, Holder: readHolder(path)}
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	l := &DBLock{f: f, path: path, writable: writable}
	if !writable {
		return l, nil
	}
	if err := l.writeHolder(Holder{PID: os.Getpid(), Owner: owner, Since: time.Now()}); err != nil {
		l.Close()
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	return l, nil
}

// realPath is the path of the file dbPath names, links resolved: the locks
// belong to the file, not to the name it is reached by, so a server on
// /var/lib/eq/eq.db and a restore through a link to it meet at one lock. A
// database not made yet is found by its directory's real path.
func realPath(dbPath string) string {
	if p, err := filepath.EvalSymlinks(dbPath); err == nil {
		return p
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(dbPath)); err == nil {
		return filepath.Join(d, filepath.Base(dbPath))
	}
	return dbPath
}

// UseSuffix names the file that every program with the database open
// holds shared (flock LOCK_SH) and a restore holds alone (LOCK_EX).
//
// The server's Lock keeps out a second server and a restore, but reports,
// backups and the contacts purge run beside the server. Were one of them
// open while a restore swapped the files, closing it would checkpoint into
// the file moved aside and delete the -wal of the database now in its
// place — by name, the running server's.
const UseSuffix = ".use"

// holdUse takes the use lock of the database at dbPath, shared or
// exclusive, at once or not at all. The file is closed (and the lock
// released) by the caller.
func holdUse(dbPath string, exclusive bool) (*os.File, error) {
	path := realPath(dbPath) + UseSuffix
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, lockFileMode)
	if errors.Is(err, fs.ErrPermission) {
		f, err = os.Open(path) // flock needs no write access
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := flock(f, how|syscall.LOCK_NB); err != nil {
		f.Close()
		switch {
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return nil, fmt.Errorf("store: %s: %w", path, err)
		case exclusive:
			return nil, fmt.Errorf("база данных %s открыта другой программой (eq backup, eq report, eq appointments purge): "+
				"дождитесь её окончания и повторите (the database %s is open in another program: wait for it to end and try again)", dbPath, dbPath)
		default:
			return nil, fmt.Errorf("база данных %s сейчас восстанавливается из копии (eq restore): повторите, когда восстановление закончится "+
				"(the database %s is being restored from a backup: try again when the restore is over)", dbPath, dbPath)
		}
	}
	return f, nil
}

// flock calls flock(2) again when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// writeHolder replaces the lock file's content with h. It is only for
// people and messages: the flock is the lock, the content proves nothing.
func (l *DBLock) writeHolder(h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return err
	}
	return l.f.Truncate(int64(len(b)))
}

// readHolder reads who holds the lock at path; a zero Holder when the file
// says nothing readable.
func readHolder(path string) Holder {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h); err != nil {
		return Holder{}
	}
	return h
}

// Path is the lock file's path.
func (l *DBLock) Path() string { return l.path }

// Close releases the lock. The file stays: removing it would let a process
// that opened it a moment before lock the removed file while a third makes
// and locks a new one, and both would think they hold the database.
func (l *DBLock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	// A holder that is gone must not be named to the next one refused by
	// a holder that cannot write the file.
	var terr error
	if l.writable {
		terr = l.f.Truncate(0)
	}
	// Closing the only descriptor releases the flock; the explicit unlock
	// makes that not depend on there being no other descriptor.
	uerr := flock(l.f, syscall.LOCK_UN)
	cerr := l.f.Close()
	l.f = nil
	if err := errors.Join(terr, uerr, cerr); err != nil {
		return fmt.Errorf("store: unlock %s: %w", l.path, err)
	}
	return nil
}
