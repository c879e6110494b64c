package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"eq/queue"
	"eq/queue/store"
)

// backupStamp names a backup made into a directory, and sorts by time.
const backupStamp = "20060102-150405"

type backupOptions struct {
	db    string
	file  string // a file, or a directory to make a dated file in
	force bool
}

type restoreOptions struct {
	db, config string
	file       string
	yes        bool // no question asked
}

func newBackupCmd() *cobra.Command {
	o := &backupOptions{}
	cmd := &cobra.Command{
		Use:   "backup FILE|DIR [--db FILE] [--force]",
		Short: "резервная копия базы данных, в том числе пока сервер работает (back up the database, also while serving)",
		Long: "Записывает резервную копию базы данных в FILE средствами SQLite (online backup): сервер может\n" +
			"работать и выдавать талоны, копия — журнал на момент начала копирования, одним файлом.\n" +
			"Копия пишется под временным именем рядом с FILE и получает имя FILE только целиком и после\n" +
			"проверки (PRAGMA integrity_check). Если FILE — папка, в ней появится eq-ГГГГММДД-ЧЧММСС.db.\n" +
			"Существующий файл заменяется только с --force.\n\n" +
			"Writes a backup of the database to FILE with SQLite's online backup: the server may keep running\n" +
			"and issuing tickets; the backup is the log as it stood when copying began, in one file. It is\n" +
			"written under a temporary name beside FILE and takes the name FILE only when whole and checked\n" +
			"(PRAGMA integrity_check). If FILE is a directory, eq-YYYYMMDD-HHMMSS.db is made in it. An\n" +
			"existing file is replaced only with --force.",
		Example: "  eq backup /mnt/backup/eq-monday.db --db /var/lib/eq/eq.db\n" +
			"  eq backup /mnt/backup/ --db /var/lib/eq/eq.db",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("укажите файл или папку для копии: eq backup FILE (give the backup's file or directory)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return runBackup(cmd.Context(), o, time.Now(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", defaultDB, "файл базы данных SQLite (SQLite database file)")
	f.BoolVar(&o.force, "force", false, "заменить существующий файл копии (replace an existing backup file)")
	return cmd
}

func newRestoreCmd() *cobra.Command {
	o := &restoreOptions{}
	cmd := &cobra.Command{
		Use:   "restore FILE [--db FILE] [--config FILE] [--yes]",
		Short: "восстановить базу данных из резервной копии (restore the database from a backup)",
		Long: "Заменяет базу данных копией FILE. Сначала проверяется копия: это база SQLite, она цела\n" +
			"(integrity_check), это журнал событий eq не новее этой версии программы, и журнал загружается\n" +
			"с конфигурацией офиса (--config). Сервер должен быть остановлен: пока он работает, восстановление\n" +
			"отказывается. Текущие файлы базы (eq.db, -wal, -shm) не удаляются, а переименовываются в\n" +
			"<база>.before-restore-<время>. Без --yes спрашивает подтверждение.\n\n" +
			"Replaces the database with the backup FILE. The backup is checked first: an SQLite database,\n" +
			"whole (integrity_check), an eq event log no newer than this program, whose log loads with the\n" +
			"office config (--config). The server must be stopped: while it runs, restore refuses. The\n" +
			"current database files (eq.db, -wal, -shm) are not deleted but renamed to\n" +
			"<db>.before-restore-<time>. Asks for confirmation unless --yes is given.",
		Example: "  eq restore /mnt/backup/eq-20261123-020000.db --db /var/lib/eq/eq.db --config /etc/eq/office.yaml",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("укажите файл резервной копии: eq restore FILE (give the backup file)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return runRestore(cmd.Context(), o, time.Now(), cmdIO(cmd))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", defaultDB, "файл базы данных SQLite, который заменить (SQLite database file to replace)")
	f.StringVar(&o.config, "config", "", "файл конфигурации офиса (office config YAML; default: the embedded demo)")
	f.BoolVar(&o.yes, "yes", false, "не спрашивать подтверждения (do not ask for confirmation)")
	return cmd
}

// runBackup writes the backup and says what it holds.
func runBackup(ctx context.Context, o *backupOptions, now time.Time, stdout io.Writer) error {
	dst, err := backupPath(o.file, o.db, now)
	if err != nil {
		return err
	}
	info, err := store.Backup(ctx, o.db, dst, o.force)
	if queue.ErrorCode(err) == queue.ECONFLICT {
		ru, en := queue.ErrorMessages(err)
		return fmt.Errorf("%s; заменить его: --force (%s; to replace it: --force)", ru, en)
	}
	if err != nil {
		return bilingual(err)
	}
	fmt.Fprintf(stdout, "Резервная копия записана (backup written): %s\n", info.Path)
	fmt.Fprintf(stdout, "  размер (size):                  %s\n", sizeText(info.Size))
	fmt.Fprintf(stdout, "  событий (events):               %d\n", info.Events)
	fmt.Fprintf(stdout, "  последнее событие (last event): %s\n", lastEventText(info.LastEvent, time.Local))
	return nil
}

// backupPath is where the backup goes: file itself, or a file named after
// the database and the time in file when it is a directory, which is what
// a nightly job wants.
func backupPath(file, db string, now time.Time) (string, error) {
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		stem := strings.TrimSuffix(filepath.Base(db), filepath.Ext(db))
		return filepath.Join(file, stem+"-"+now.Format(backupStamp)+".db"), nil
	}
	if fi, err := os.Stat(filepath.Dir(file)); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("папки %s нет: копию некуда записать (there is no directory %s to write the backup in)",
			filepath.Dir(file), filepath.Dir(file))
	}
	return file, nil
}

// runRestore checks the backup, asks (unless o.yes) and puts it in place of
// the database.
func runRestore(ctx context.Context, o *restoreOptions, now time.Time, s stdio) error {
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	loc := cfg.Office.Location
	opts := store.RestoreOptions{Office: cfg.Office, Now: now, Owner: "eq restore " + o.file}
	if !o.yes {
		opts.Confirm = func(b store.Info) error { return confirmRestore(s, o, b, loc) }
	}
	res, err := store.Restore(ctx, o.file, o.db, opts)
	if err != nil {
		return bilingual(err)
	}
	w := s.out
	fmt.Fprintf(w, "База данных восстановлена из копии (database restored from the backup): %s\n", o.db)
	fmt.Fprintf(w, "  копия (backup):                 %s\n", o.file)
	fmt.Fprintf(w, "  событий (events):               %d\n", res.Backup.Events)
	fmt.Fprintf(w, "  последнее событие (last event): %s\n", lastEventText(res.Backup.LastEvent, loc))
	if len(res.Aside) == 0 {
		fmt.Fprintln(w, "  прежней базы не было (there was no database before)")
	} else {
		fmt.Fprintln(w, "  прежние файлы базы сохранены как (the replaced files were kept as):")
		for _, p := range res.Aside {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	fmt.Fprintln(w, "Теперь запустите сервер: eq serve (now start the server: eq serve)")
	return nil
}

// confirmRestore asks whether to go on, on errOut, and reads the answer.
func confirmRestore(s stdio, o *restoreOptions, b store.Info, loc *time.Location) error {
	last := lastEventText(b.LastEvent, loc)
	fmt.Fprintf(s.errOut, "Заменить базу данных %s копией %s (событий: %d, последнее: %s)?\n", o.db, o.file, b.Events, last)
	fmt.Fprintln(s.errOut, "Текущие файлы базы не удаляются: они будут переименованы в *.before-restore-*.")
	fmt.Fprintf(s.errOut, "Replace the database %s with the backup %s (%d events, the last at %s)?\n", o.db, o.file, b.Events, last)
	fmt.Fprintln(s.errOut, "The current files are not deleted: they are renamed to *.before-restore-*.")
	fmt.Fprint(s.errOut, "Да/yes — продолжить (to go on): ")
	answer, _ := readLine(bufio.NewReader(s.in))
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "да", "д", "yes", "y":
		return nil
	}
	return errors.New("восстановление отменено, ничего не изменено (restore cancelled, nothing was changed)")
}

// sizeText is a file size for people, with the exact bytes.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f ГБ (GB), %d байт (bytes)", float64(n)/(1<<30), n)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f МБ (MB), %d байт (bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f КБ (KB), %d байт (bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d байт (bytes)", n)
}

// lastEventText is when the last event happened, in loc.
func lastEventText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "нет, журнал пуст (none, the log is empty)"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 -07:00")
}
