package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPragmas looks inside the pool: synchronous is a per-connection
// setting, so checking the one connection Open used is not enough.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "eq.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	t.Run("every pooled connection is in WAL mode with synchronous FULL", func(t *testing.T) {
		// Holding the connections at once makes the pool open new ones.
		var conns []*sql.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for i := 0; i < 4; i++ {
			c, err := st.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			mode, sync, err := pragmas(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := mode, "wal"; got != want {
				t.Errorf("connection %d: journal_mode = %q, want %q", i, got, want)
			}
			if got, want := sync, 2; got != want {
				t.Errorf("connection %d: synchronous = %d, want %d (FULL)", i, got, want)
			}
		}
	})

	t.Run("foreign keys and the busy timeout are on", func(t *testing.T) {
		var fk, timeout int
		if err := st.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := st.db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || timeout != 5000 {
			t.Errorf("foreign_keys = %d, busy_timeout = %d; want 1 and 5000", fk, timeout)
		}
	})
}

func TestDSN(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"/var/lib/eq/eq.db", "file:/var/lib/eq/eq.db?" + dsnParams},
		{"data/eq.db", "file:data/eq.db?" + dsnParams},
		{"/srv/офис #1?/eq 100%.db", "file:/srv/%D0%BE%D1%84%D0%B8%D1%81%20%231%3F/eq%20100%25.db?" + dsnParams},
	}
	for _, tt := range tests {
		t.Run(tt.path+" becomes a file URI with the path escaped", func(t *testing.T) {
			if got := dsn(tt.path); got != tt.want {
				t.Errorf("dsn(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}
