// Package store keeps the office's event log in an SQLite file.
//
// The log is the only source of truth: the live queue.State is rebuilt from
// it at start (Load) and every command's events are appended to it before
// the command is acknowledged (Append). The file runs in WAL mode with
// synchronous=FULL, so a committed event survives a power cut.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// dsnParams are applied by the driver to every connection it opens, which
// matters for synchronous: unlike journal_mode it is not stored in the file,
// and a pooled connection opened later would otherwise fall back to the
// default. _synchronous must be given explicitly: the driver lowers it to
// NORMAL when it sees _journal_mode=WAL, and NORMAL in WAL mode may lose the
// last commits on a power cut. _txlock=immediate takes the write lock at
// BEGIN, so two writers wait for each other (busy timeout) instead of one
// failing with SQLITE_BUSY when it tries to upgrade a read lock.
const dsnParams = "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate"

// Store is the event log of one office in an SQLite file. It is safe for
// concurrent use.
type Store struct {
	db  *sql.DB
	use *os.File // the shared use lock (see UseSuffix), held until Close
}

// Open opens the SQLite file at path, creating it and its directory if
// missing, checks that it is durable (WAL, synchronous=FULL) and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	use, err := holdUse(path, false)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		use.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, use: use}
	if err := s.checkPragmas(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// dsn makes a file: URI of p so that a '?' or '#' in a directory name is
// part of the path and not the start of the driver's parameters.
func dsn(p string) string {
	u := url.URL{Path: filepath.ToSlash(p)}
	return "file:" + u.EscapedPath() + "?" + dsnParams
}

// Close closes the database. SQLite checkpoints the WAL into the main file
// when the last connection closes; the use lock is let go only after that.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.use != nil {
		s.use.Close()
		s.use = nil
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the store takes writes: it commits a change to the
// health table, so a read-only file, a full disk or a lock held too long by
// another process all fail it, where a plain read would pass.
func (s *Store) Ping(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE health SET pings = pings + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// checkPragmas refuses a database that would not be durable: a driver that
// ignored the DSN, or a file system where WAL cannot work, must stop the
// server rather than let it acknowledge tickets it may lose.
func (s *Store) checkPragmas(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	mode, sync, err := pragmas(ctx, conn)
	if err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	if sync != 2 {
		return fmt.Errorf("synchronous is %d, want 2 (FULL)", sync)
	}
	return nil
}

// pragmas reads the durability settings of one connection.
func pragmas(ctx context.Context, conn *sql.Conn) (journalMode string, synchronous int, err error) {
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journalMode); err != nil {
		return "", 0, fmt.Errorf("read journal_mode: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
		return "", 0, fmt.Errorf("read synchronous: %w", err)
	}
	return journalMode, synchronous, nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, in name order.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
	}
	return nil
}

// migrateFile applies one migration in its own transaction, so a failed
// one leaves the schema as the previous migration left it. The check runs
// inside the transaction: two processes opening a new file at once cannot
// both apply it.
func (s *Store) migrateFile(ctx context.Context, name string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	base := path.Base(name)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, base).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	// SQLite's clock, not an injected one: this is a note for people
	// reading the file, nothing in the program depends on it.
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`, base); err != nil {
		return err
	}
	return tx.Commit()
}
