package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"eq/queue"
)

// sqliteHeader opens every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// backupRetry is how long Backup waits before trying again when SQLite
// reports the source busy (a moment when no read snapshot can be taken,
// such as another connection recovering the WAL); backupBusyLimit is when
// it gives up, so that a nightly job does not hang on a database some
// other program keeps locked.
const (
	backupRetry     = 50 * time.Millisecond
	backupBusyLimit = time.Minute
)

// sideFiles are the suffixes of the files SQLite keeps beside a database.
var sideFiles = []string{"-wal", "-shm", "-journal"}

// Info describes an event log file: what was backed up or restored.
type Info struct {
	Path      string
	Size      int64     // bytes
	Events    int64     // events in the log
	LastEvent time.Time // when the last event happened; zero for an empty log
	Schema    string    // the last migration applied, e.g. "0006_log_identity.sql"
}

// Backup copies the database at src into the file dst with SQLite's
// online backup, so it works while a server writes to src: the copy is the
// log as it stood at one moment, every event committed before Backup was
// called included. The copy is made under a hidden name next to dst and
// renamed into place only after it passed PRAGMA integrity_check and is on
// disk, so a file at dst is always a whole backup. It is a single file in
// rollback-journal mode, needing no -wal beside it. An existing dst is
// replaced only with overwrite. Backup does not take the server's lock:
// it runs beside the server. It shares the use lock, so it neither starts
// during a restore nor lets one begin while it copies.
func Backup(ctx context.Context, src, dst string, overwrite bool) (Info, error) {
	if err := checkBackupTarget(src, dst, overwrite); err != nil {
		return Info{}, err
	}
	use, err := holdUse(src, false)
	if err != nil {
		return Info{}, err
	}
	defer use.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".partial-*")
	if err != nil {
		return Info{}, fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	// Once placed, the temporary name is gone (renamed) or a second link
	// to the backup (linked): removing it is right either way.
	defer removeDatabase(tmpPath)

	info, err := backupInto(ctx, src, tmpPath)
	if err != nil {
		return Info{}, err
	}
	if err := syncFile(tmpPath); err != nil {
		return Info{}, fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	if err := place(tmpPath, dst, overwrite); err != nil {
		return Info{}, err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return Info{}, fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return Info{}, fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	info.Path, info.Size = dst, fi.Size()
	return info, nil
}

// checkBackupTarget refuses what Backup must not do before anything is
// made: copy a database that is not there, or write over one that is.
func checkBackupTarget(src, dst string, overwrite bool) error {
	sfi, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return queue.Errorf(queue.ENOTFOUND, "базы данных %s нет", "there is no database %s", src)
	}
	if err != nil {
		return fmt.Errorf("store: backup %s: %w", src, err)
	}
	if !sfi.Mode().IsRegular() {
		return queue.Errorf(queue.EINVALID, "%s — не файл базы данных", "%s is not a database file", src)
	}
	dfi, err := os.Stat(dst)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	// Replacing the database or a file beside it would pull it from under
	// the server, and a backup named as its -wal would be taken for one;
	// --force must not make either possible.
	for _, own := range append([]string{src, src + LockSuffix}, withSuffixes(src)...) {
		ofi, oerr := os.Stat(own)
		if samePath(own, dst) || (dfi != nil && oerr == nil && os.SameFile(ofi, dfi)) {
			return queue.Errorf(queue.EINVALID, "%s — файл самой базы данных: копию пишут в другой файл",
				"%s is a file of the database itself: a backup goes to another file", dst)
		}
	}
	if dfi == nil {
		return nil
	}
	if dfi.IsDir() {
		return queue.Errorf(queue.EINVALID, "%s — папка, а не файл", "%s is a directory, not a file", dst)
	}
	if !overwrite {
		return existsError(dst)
	}
	return nil
}

// samePath reports whether a and b name the same path, files or not.
func samePath(a, b string) bool {
	aa, aerr := filepath.Abs(a)
	ba, berr := filepath.Abs(b)
	return aerr == nil && berr == nil && aa == ba
}

func existsError(dst string) error {
	return queue.Errorf(queue.ECONFLICT, "файл %s уже есть, копия не записана", "%s already exists, the backup was not written", dst)
}

// backupInto copies src into the empty database file tmp, checks the copy
// and returns what it holds.
func backupInto(ctx context.Context, src, tmp string) (Info, error) {
	// mode=rw never makes a file where there was none. Not read-only: a
	// read-only connection cannot remove the -wal and -shm it makes beside
	// a database nobody else has open, and would leave them there.
	sdb, err := sql.Open("sqlite3", fileURI(src, "mode=rw&_busy_timeout=5000"))
	if err != nil {
		return Info{}, fmt.Errorf("store: backup %s: %w", src, err)
	}
	defer sdb.Close()
	// The copy is written in rollback-journal mode: a WAL destination
	// would refuse the source's page size if they differed.
	ddb, err := sql.Open("sqlite3", fileURI(tmp, "_journal_mode=DELETE&_synchronous=FULL"))
	if err != nil {
		return Info{}, fmt.Errorf("store: backup %s: %w", src, err)
	}
	defer ddb.Close()

	sconn, err := sdb.Conn(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("store: backup %s: %w", src, err)
	}
	defer sconn.Close()
	dconn, err := ddb.Conn(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("store: backup %s: %w", src, err)
	}
	defer dconn.Close()

	if err := copyDatabase(ctx, dconn, sconn); err != nil {
		return Info{}, fmt.Errorf("store: backup %s: %w", src, err)
	}
	// The copy carries the source's header, which says WAL; back to a
	// rollback journal, it is one self-contained file again.
	var mode string
	if err := dconn.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil {
		return Info{}, fmt.Errorf("store: backup %s: set the copy's journal mode: %w", src, err)
	}
	if mode != "delete" {
		return Info{}, fmt.Errorf("store: backup %s: the copy's journal mode is %q, want delete", src, mode)
	}
	if err := integrityCheck(ctx, dconn); err != nil {
		return Info{}, fmt.Errorf("store: backup %s: the copy fails the integrity check: %w", src, err)
	}
	info, err := inspect(ctx, dconn, src)
	if err != nil {
		return Info{}, err
	}
	if err := errors.Join(dconn.Close(), ddb.Close()); err != nil {
		return Info{}, fmt.Errorf("store: backup %s: %w", src, err)
	}
	return info, nil
}

// copyDatabase runs SQLite's online backup from src to dst in one step: the
// source is read in a single snapshot, which in WAL mode does not hold up
// the server's writes, and a copy made in steps would start over at every
// write a busy server makes.
func copyDatabase(ctx context.Context, dst, src *sql.Conn) error {
	return dst.Raw(func(d any) error {
		return src.Raw(func(s any) error {
			dc, ok := d.(*sqlite3.SQLiteConn)
			sc, ok2 := s.(*sqlite3.SQLiteConn)
			if !ok || !ok2 {
				return fmt.Errorf("online backup needs sqlite3 connections, got %T and %T", d, s)
			}
			b, err := dc.Backup("main", sc, "main")
			if err != nil {
				return fmt.Errorf("start the online backup: %w", err)
			}
			busySince := time.Now()
			for {
				// Step reports busy and locked as not done and no error.
				done, err := b.Step(-1)
				if err != nil {
					b.Finish()
					return fmt.Errorf("online backup: %w", err)
				}
				if done {
					break
				}
				if time.Since(busySince) > backupBusyLimit {
					b.Finish()
					return queue.Errorf(queue.ECONFLICT, "база данных занята дольше %v: копия не сделана",
						"the database was busy for over %v: no backup was made", backupBusyLimit)
				}
				select {
				case <-ctx.Done():
					b.Finish()
					return ctx.Err()
				case <-time.After(backupRetry):
				}
			}
			if err := b.Finish(); err != nil {
				return fmt.Errorf("finish the online backup: %w", err)
			}
			return nil
		})
	})
}

// integrityCheck runs PRAGMA integrity_check and fails with what it found.
func integrityCheck(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	if len(found) > 3 {
		found = append(found[:3], "…")
	}
	return errors.New(strings.Join(found, "; "))
}

// inspect checks that the database on conn is an eq event log this
// program can read and says what it holds. name is the file it is about.
func inspect(ctx context.Context, conn *sql.Conn, name string) (Info, error) {
	notOurs := queue.Errorf(queue.EINVALID, "%s — база SQLite, но не журнал событий eq",
		"%s is an SQLite database but not an eq event log", name)
	var tables int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'events')`).Scan(&tables); err != nil {
		return Info{}, fmt.Errorf("store: read %s: %w", name, err)
	}
	if tables != 2 {
		return Info{}, notOurs
	}
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return Info{}, fmt.Errorf("store: read %s: %w", name, err)
	}
	known, err := migrationNames()
	if err != nil {
		return Info{}, err
	}
	if len(applied) == 0 || applied[0] != known[0] {
		return Info{}, notOurs
	}
	for _, m := range applied {
		if !slices.Contains(known, m) {
			return Info{}, queue.Errorf(queue.ECONFLICT, "%s сделан более новой версией eq (в схеме есть %s): сначала обновите eq",
				"%s was made by a newer eq (its schema has %s): upgrade eq first", name, m)
		}
	}
	info := Info{Path: name, Schema: applied[len(applied)-1]}
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&info.Events); err != nil {
		return Info{}, fmt.Errorf("store: read %s: %w", name, err)
	}
	var at string
	err = conn.QueryRowContext(ctx, `SELECT at FROM events ORDER BY seq DESC LIMIT 1`).Scan(&at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Info{}, fmt.Errorf("store: read %s: %w", name, err)
	default:
		if info.LastEvent, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return Info{}, fmt.Errorf("store: read %s: the last event's time %q: %w", name, at, err)
		}
	}
	return info, nil
}

// appliedMigrations lists schema_migrations in name order.
func appliedMigrations(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// migrationNames lists the embedded migrations in the order migrate
// applies them.
func migrationNames() ([]string, error) {
	paths, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = path.Base(p)
	}
	return names, nil // Glob sorts
}

// CheckBackup checks that the file at path can be restored: it is there,
// is an SQLite database that passes integrity_check, is an eq event log
// and is not of a schema newer than this program's. It only reads the
// file. The refusals are *queue.Error with messages in both languages.
func CheckBackup(ctx context.Context, path string) (Info, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, queue.Errorf(queue.ENOTFOUND, "файла резервной копии %s нет", "there is no backup file %s", path)
	}
	if err != nil {
		return Info{}, fmt.Errorf("store: check backup %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, queue.Errorf(queue.EINVALID, "%s — не файл", "%s is not a file", path)
	}
	notSQLite := queue.Errorf(queue.EINVALID, "%s — не база данных SQLite", "%s is not an SQLite database", path)
	head := make([]byte, len(sqliteHeader))
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("store: check backup %s: %w", path, err)
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(head, []byte(sqliteHeader)) {
		return Info{}, notSQLite
	}
	if err != nil {
		return Info{}, fmt.Errorf("store: check backup %s: %w", path, err)
	}
	// A WAL beside the file may hold events the file itself lacks; copying
	// the file alone would restore less than the person expects.
	if wfi, err := os.Stat(path + "-wal"); err == nil && wfi.Size() > 0 {
		return Info{}, queue.Errorf(queue.EINVALID,
			"рядом с %s лежит %s-wal: это копия работающей базы, а не резервная копия — сделайте её командой eq backup",
			"%s has %s-wal beside it: it is a copy of a live database, not a backup — make one with eq backup", path, filepath.Base(path))
	}
	// immutable: nothing is written beside the file (no -shm, no -wal),
	// and no lock is needed on a file nobody writes.
	db, err := sql.Open("sqlite3", fileURI(path, "mode=ro&immutable=1"))
	if err != nil {
		return Info{}, fmt.Errorf("store: check backup %s: %w", path, err)
	}
	defer db.Close()
	// The driver runs PRAGMAs as it connects, so a file that only starts
	// like a database may fail already here.
	conn, err := db.Conn(ctx)
	if isNotADB(err) {
		return Info{}, notSQLite
	}
	if err != nil {
		return Info{}, fmt.Errorf("store: check backup %s: %w", path, err)
	}
	defer conn.Close()
	if err := integrityCheck(ctx, conn); isNotADB(err) {
		return Info{}, notSQLite
	} else if err != nil {
		return Info{}, queue.Errorf(queue.EINVALID, "резервная копия %s повреждена: %s", "the backup %s is damaged: %s", path, err)
	}
	info, err := inspect(ctx, conn, path)
	if err != nil {
		return Info{}, err
	}
	info.Size = fi.Size()
	return info, nil
}

// isNotADB reports whether SQLite found that a file is no database.
func isNotADB(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrNotADB
}

// RestoreOptions are what Restore needs besides the two paths.
type RestoreOptions struct {
	// Office is the office the restored log must load against.
	Office *queue.Office
	// Now names the files of the replaced database.
	Now time.Time
	// Owner names the restore in the lock file, for a server that tries
	// to start meanwhile.
	Owner string
	// Confirm, if set, is called when every check has passed and the lock
	// is held, before anything is moved; an error from it cancels the
	// restore and is returned.
	Confirm func(backup Info) error
}

// Restored says what Restore did.
type Restored struct {
	Backup Info     // the log now in place, as the backup held it
	Aside  []string // the replaced database's files, moved aside; none if there was no database
}

// Restore replaces the database at db with the backup file. Everything is
// checked before the database is touched: the backup as CheckBackup does,
// then a copy of it, brought to this program's schema, must load against
// o.Office. Then, holding the database's lock (so never while a server
// runs), the current files (db, -wal, -shm) are moved aside to
// <db>.before-restore-<time> — never deleted — and the copy takes their
// place. The restored log gets a new identity (Store.LogID), so the ids
// of the webhook events logged after the restore differ from those of the
// events it undid. A refusal leaves the database and its directory as
// they were.
func Restore(ctx context.Context, backup, db string, o RestoreOptions) (Restored, error) {
	info, err := CheckBackup(ctx, backup)
	if err != nil {
		return Restored{}, err
	}
	if bfi, err := os.Stat(backup); err == nil {
		if dfi, err := os.Stat(db); err == nil && os.SameFile(bfi, dfi) {
			return Restored{}, queue.Errorf(queue.EINVALID, "%s — это и есть база данных %s", "%s is the database %s itself", backup, db)
		}
	}
	dir := filepath.Dir(db)
	madeDir, err := mkdirAll(dir)
	if err != nil {
		return Restored{}, fmt.Errorf("store: restore: %w", err)
	}
	done := false
	defer func() {
		if !done && madeDir {
			os.Remove(dir) // only if still empty
		}
	}()

	candidate, err := prepareRestore(ctx, backup, db, o.Office)
	if err != nil {
		return Restored{}, err
	}
	defer func() {
		if !done {
			removeDatabase(candidate)
		}
	}()

	lock, err := Lock(db, o.Owner)
	if err != nil {
		return Restored{}, err
	}
	defer lock.Close()
	use, err := holdUse(db, true)
	if err != nil {
		return Restored{}, err
	}
	defer use.Close()
	if o.Confirm != nil {
		if err := o.Confirm(info); err != nil {
			return Restored{}, err
		}
	}
	if err := takeOwnership(candidate, db); err != nil {
		return Restored{}, fmt.Errorf("store: restore: %w", err)
	}
	aside, err := swapIn(candidate, db, o.Now)
	if err != nil {
		return Restored{}, err
	}
	done = true
	return Restored{Backup: info, Aside: aside}, nil
}

// prepareRestore copies backup next to db under a hidden name, opens the
// copy as the server would (which brings its schema up to date), loads it
// against office and gives it a new log id (see Store.LogID). It returns
// the copy's path, or removes it on failure.
func prepareRestore(ctx context.Context, backup, db string, office *queue.Office) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(db), "."+filepath.Base(db)+".restore-*")
	if err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	path := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			removeDatabase(path)
		}
	}()
	err = copyFile(tmp, backup)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("store: restore: copy %s: %w", backup, err)
	}

	st, err := Open(ctx, path)
	if err != nil {
		return "", fmt.Errorf("store: restore: open the copy of %s: %w", backup, err)
	}
	_, lerr := Load(ctx, st, office)
	// The restored log hands out again the positions the events logged
	// after the backup had, and receivers of webhooks have seen those:
	// a new identity keeps the new events' ids apart from the old ones.
	// It is given to the copy, before the rename, so that a crash leaves
	// either the old files or the restored ones with their new identity.
	var rerr error
	if lerr == nil {
		rerr = st.renewLogID(ctx)
	}
	// Closing checkpoints the WAL into the file and removes it: the copy
	// is again a single file, safe to rename.
	if err := st.Close(); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	os.Remove(path + UseSuffix) // Open's use lock of the copy: nobody else knows it
	if lerr != nil {
		return "", queue.Errorf(queue.EINVALID, "журнал из копии %s не подходит к конфигурации офиса: %v",
			"the log in the backup %s does not fit the office config: %v", backup, lerr)
	}
	if rerr != nil {
		return "", fmt.Errorf("store: restore: %w", rerr)
	}
	for _, s := range sideFiles {
		if _, err := os.Stat(path + s); err == nil {
			return "", fmt.Errorf("store: restore: %s%s was left after closing the copy", path, s)
		}
	}
	if err := syncFile(path); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	ok = true
	return path, nil
}

// swapIn moves the files of db aside and puts candidate in its place,
// returning where the old files went. The database file itself is linked
// to its new name before candidate is renamed over it, so there is no
// moment without a database at db. On failure what was moved goes back.
func swapIn(candidate, db string, now time.Time) ([]string, error) {
	base, err := asideName(db, now)
	if err != nil {
		return nil, err
	}
	type move struct{ from, to string }
	var moved []move
	undo := func() {
		for i := len(moved) - 1; i >= 0; i-- {
			os.Rename(moved[i].to, moved[i].from)
		}
	}
	for _, s := range sideFiles {
		if _, err := os.Lstat(db + s); err != nil {
			continue
		}
		if err := os.Rename(db+s, base+s); err != nil {
			undo()
			return nil, fmt.Errorf("store: restore: move %s%s aside: %w", db, s, err)
		}
		moved = append(moved, move{db + s, base + s})
	}
	var aside []string
	linked := false
	if _, err := os.Lstat(db); err == nil {
		if err := os.Link(db, base); err == nil {
			linked = true
		} else if err := os.Rename(db, base); err != nil { // a file system without hard links
			undo()
			return nil, fmt.Errorf("store: restore: move %s aside: %w", db, err)
		} else {
			moved = append(moved, move{db, base})
		}
		aside = append(aside, base)
	}
	if err := os.Rename(candidate, db); err != nil {
		if linked {
			os.Remove(base)
		}
		undo()
		return nil, fmt.Errorf("store: restore: put the backup in place: %w", err)
	}
	if err := syncDir(filepath.Dir(db)); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	for _, m := range moved {
		if m.from != db {
			aside = append(aside, m.to)
		}
	}
	return aside, nil
}

// takeOwnership gives candidate the permissions, and where this process
// may, the owner of the database it replaces: a restore run by root must
// not leave a file the server's own user cannot open. A new database gets
// mode 0640 and the owner of its directory.
func takeOwnership(candidate, db string) error {
	mode := os.FileMode(0o640)
	fi, err := os.Stat(db)
	if errors.Is(err, fs.ErrNotExist) {
		// A new database: its directory's owner is who runs the server.
		fi, err = os.Stat(filepath.Dir(db))
	} else if err == nil {
		mode = fi.Mode().Perm()
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(candidate, mode); err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		// Only root may give a file away; anyone else restores as the
		// server's own user, and the file is theirs already.
		if err := os.Chown(candidate, int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, fs.ErrPermission) {
			return err
		}
	}
	return nil
}

// asideName is <db>.before-restore-<time>, with a number added in the
// unlikely case that a restore in the same second already took it.
func asideName(db string, now time.Time) (string, error) {
	stem := db + ".before-restore-" + now.Format("20060102-150405")
	for n := 1; n < 100; n++ {
		name := stem
		if n > 1 {
			name = fmt.Sprintf("%s-%d", stem, n)
		}
		free := true
		for _, p := range withSuffixes(name) {
			if _, err := os.Lstat(p); err == nil {
				free = false
			}
		}
		if _, err := os.Lstat(name); err == nil {
			free = false
		}
		if free {
			return name, nil
		}
	}
	return "", fmt.Errorf("store: restore: no free name like %s", stem)
}

// withSuffixes is the paths of the files SQLite may keep beside db.
func withSuffixes(db string) []string {
	out := make([]string, len(sideFiles))
	for i, s := range sideFiles {
		out[i] = db + s
	}
	return out
}

// place puts the finished backup tmp at dst: with a hard link when dst
// must not be replaced, which fails if another backup got there first (the
// caller removes tmp then), else (or where the file system has no hard
// links, as a FAT memory stick) with a rename.
func place(tmp, dst string, overwrite bool) error {
	if !overwrite {
		err := os.Link(tmp, dst)
		if err == nil {
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			return existsError(dst)
		}
		if _, err := os.Lstat(dst); err == nil {
			return existsError(dst)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	return nil
}

// removeDatabase removes a database file this package made and the files
// SQLite may have left beside it.
func removeDatabase(path string) {
	for _, p := range append([]string{path, path + UseSuffix}, withSuffixes(path)...) {
		os.Remove(p)
	}
}

// copyFile copies the file at src into dst and syncs dst.
func copyFile(dst *os.File, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := io.Copy(dst, in); err != nil {
		return err
	}
	return dst.Sync()
}

// syncFile flushes the file at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir flushes a directory, so that a rename in it survives a power
// cut. File systems that cannot sync a directory say EINVAL; there is
// nothing more to do on them.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// mkdirAll makes dir if missing and reports whether it did (only the
// last element: enough to undo a restore onto a new directory).
func mkdirAll(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return false, err
	}
	return true, nil
}

// fileURI makes a file: URI of p with the given query, as dsn does for the
// server's connections.
func fileURI(p, query string) string {
	u := url.URL{Path: filepath.ToSlash(p)}
	return "file:" + u.EscapedPath() + "?" + query
}
