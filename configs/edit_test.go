package configs

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// newHash is a valid bcrypt hash other than demoHash.
const newHash = "$2a$10$abcdefghijklmnopqrstuOABCDEFGHIJKLMNOPQRSTUVWXYZ01234"

// inserted checks that edited is orig with lines inserted at one place and
// returns them.
func inserted(t *testing.T, orig, edited string) []string {
	t.Helper()
	a, b := strings.SplitAfter(orig, "\n"), strings.SplitAfter(edited, "\n")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	n := len(b) - len(a)
	if n <= 0 || !slices.Equal(a[i:], b[i+n:]) {
		t.Fatalf("the edit is not an insertion of whole lines:\n%s", edited)
	}
	return b[i : i+n]
}

// replace replaces old by new once in s; old must be there.
func replace(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("test source does not contain " + old)
	}
	return strings.Replace(s, old, new, 1)
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestSetPasswordHash(t *testing.T) {
	demo := string(DemoYAML())
	oldLine := `    password_hash: "` + demoHash + `"`
	newLine := `    password_hash: "` + newHash + `"`
	// op2 returns the demo with op2's password_hash line replaced by lines.
	op2 := func(lines string) string {
		return replace(demo, "    window: 2\n"+oldLine+"\n", "    window: 2\n"+lines)
	}
	adminBlock := "  - login: admin\n    role: admin\n" + oldLine + "\n"
	tests := []struct {
		name      string
		src, want string
		login     string
	}{
		{"only the hash of the login changes", demo, op2(newLine + "\n"), "op2"},
		{"a line comment after the hash stays", op2(oldLine + "   # выдан 01.02\n"), op2(newLine + "   # выдан 01.02\n"), "op2"},
		{"a single-quoted hash is replaced", op2("    password_hash: '" + demoHash + "'\n"), op2(newLine + "\n"), "op2"},
		{"a plain hash is replaced", op2("    password_hash: " + demoHash + "\n"), op2(newLine + "\n"), "op2"},
		{"an empty hash is filled in", op2("    password_hash:\n"), op2(newLine + "\n"), "op2"},
		{"an empty hash before a comment is filled in", op2("    password_hash:   # задать\n"), op2(newLine + "   # задать\n"), "op2"},
		{"a missing hash is added after the entry's last key", op2(""), op2(newLine + "\n"), "op2"},
		{"a plain password becomes the hash on its line", op2("    password: secret123 # временно\n"), op2(newLine + " # временно\n"), "op2"},
		{"a plain password beside a hash is dropped", op2("    password: secret123\n" + oldLine + "\n"), op2(newLine + "\n"), "op2"},
		{"CRLF line endings are kept", crlf(op2("")), crlf(op2(newLine + "\n")), "op2"},
		{"a flow-style entry is edited in place",
			replace(base, adminBlock, "  - {login: admin, role: admin, password_hash: \""+demoHash+"\"}\n"),
			replace(base, adminBlock, "  - {login: admin, role: admin, password_hash: \""+newHash+"\"}\n"), "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetPasswordHash([]byte(tt.src), tt.login, newHash)
			if err != nil {
				t.Fatalf("SetPasswordHash: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			c, err := Parse("edited.yaml", got)
			if err != nil {
				t.Fatalf("the result does not parse:\n%v", err)
			}
			for _, a := range c.Staff {
				if want := map[bool]string{true: newHash, false: demoHash}[a.Login == tt.login]; a.PasswordHash != want {
					t.Errorf("%s: hash %q, want %q", a.Login, a.PasswordHash, want)
				}
			}
		})
	}

	t.Run("a layout it cannot splice is re-encoded whole, comments kept", func(t *testing.T) {
		src := op2("    password_hash: !!str \"" + demoHash + "\"\n")
		got, err := SetPasswordHash([]byte(src), "op2", newHash)
		if err != nil {
			t.Fatalf("SetPasswordHash: %v", err)
		}
		c, err := Parse("edited.yaml", got)
		if err != nil {
			t.Fatal(err)
		}
		if _, acc := findStaff(t, c, "op2"); acc.PasswordHash != newHash {
			t.Errorf("op2: hash %q", acc.PasswordHash)
		}
		if _, acc := findStaff(t, c, "op1"); acc.PasswordHash != demoHash {
			t.Errorf("op1: hash %q", acc.PasswordHash)
		}
		if !strings.Contains(string(got), "# Bearer tokens devices present") {
			t.Error("a comment was lost")
		}
	})

	t.Run("an unknown login is an error naming it", func(t *testing.T) {
		_, err := SetPasswordHash([]byte(demo), "op99", newHash)
		var ve *ValidationError
		if err == nil || errors.As(err, &ve) || !strings.Contains(err.Error(), "op99") {
			t.Fatalf("got %v, want an error naming op99", err)
		}
	})

	t.Run("a hash the loader refuses is refused with its line", func(t *testing.T) {
		_, err := SetPasswordHash([]byte(demo), "op2", "demo")
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Problems[0].Path != "staff[1].password_hash" || ve.Problems[0].Line == 0 {
			t.Fatalf("got %v, want a problem at staff[1].password_hash", err)
		}
	})

	t.Run("a problem elsewhere in the file is refused", func(t *testing.T) {
		src := strings.Replace(demo, "Europe/Moscow", "Mars/Olympus", 1)
		_, err := SetPasswordHash([]byte(src), "op2", newHash)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "office.timezone") {
			t.Fatalf("got %v, want the timezone problem", err)
		}
	})

	t.Run("broken YAML is refused with its line", func(t *testing.T) {
		_, err := SetPasswordHash([]byte("staff: [\n"), "op2", newHash)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "синтаксиса") {
			t.Fatalf("got %v, want a syntax problem", err)
		}
	})
}

func TestAddStaff(t *testing.T) {
	demo := string(DemoYAML())
	op9 := StaffEntry{Login: "op9", Name: "Орлова Вера Андреевна", Position: "специалист", Role: "operator", Window: 3, PasswordHash: newHash}

	t.Run("the entry is added after the last one in the same layout", func(t *testing.T) {
		got, err := AddStaff([]byte(demo), op9)
		if err != nil {
			t.Fatalf("AddStaff: %v", err)
		}
		want := []string{
			"  - login: op9\n",
			"    name: Орлова Вера Андреевна\n",
			"    position: специалист\n",
			"    role: operator\n",
			"    window: 3\n",
			`    password_hash: "` + newHash + `"` + "\n",
		}
		if lines := inserted(t, demo, string(got)); !slices.Equal(lines, want) {
			t.Errorf("inserted:\n%q\nwant:\n%q", lines, want)
		}
		if !strings.Contains(string(got), "    password_hash: \""+newHash+"\"\n\n# Bearer tokens") {
			t.Error("the entry is not right after the last member of staff")
		}
		c, err := Parse("edited.yaml", got)
		if err != nil {
			t.Fatal(err)
		}
		op, acc := findStaff(t, c, "op9")
		if op.Name != op9.Name || op.Position != op9.Position || op.Role != "operator" || acc.Window != 3 || acc.PasswordHash != newHash {
			t.Errorf("got %+v %+v", op, acc)
		}
		if got, want := len(c.Staff), len(Demo().Staff)+1; got != want {
			t.Errorf("staff: got %d, want %d", got, want)
		}
	})

	t.Run("empty optional fields are left out", func(t *testing.T) {
		got, err := AddStaff([]byte(base), StaffEntry{Login: "boss", Role: "manager", PasswordHash: newHash})
		if err != nil {
			t.Fatalf("AddStaff: %v", err)
		}
		want := []string{"  - login: boss\n", "    role: manager\n", `    password_hash: "` + newHash + `"` + "\n"}
		if lines := inserted(t, base, string(got)); !slices.Equal(lines, want) {
			t.Errorf("inserted %q, want %q", lines, want)
		}
	})

	t.Run("values YAML would read as something else are quoted", func(t *testing.T) {
		got, err := AddStaff([]byte(base), StaffEntry{Login: "007", Name: "yes", Position: "# 1: главный", Role: "admin", PasswordHash: newHash})
		if err != nil {
			t.Fatalf("AddStaff: %v", err)
		}
		c, err := Parse("edited.yaml", got)
		if err != nil {
			t.Fatal(err)
		}
		if op, _ := findStaff(t, c, "007"); op.Name != "yes" || op.Position != "# 1: главный" {
			t.Errorf("got %+v", op)
		}
	})

	t.Run("a flow-style staff list is re-encoded", func(t *testing.T) {
		src := strings.Replace(base, "  - login: admin\n    role: admin\n    password_hash: \""+demoHash+"\"\n",
			"  [{login: admin, role: admin, password_hash: \""+demoHash+"\"}]\n", 1)
		got, err := AddStaff([]byte(src), StaffEntry{Login: "boss", Role: "manager", PasswordHash: newHash})
		if err != nil {
			t.Fatalf("AddStaff: %v", err)
		}
		c, err := Parse("edited.yaml", got)
		if err != nil {
			t.Fatal(err)
		}
		findStaff(t, c, "admin")
		findStaff(t, c, "boss")
	})

	for _, staff := range []string{"", "staff:\n", "staff: []\n"} {
		t.Run(fmt.Sprintf("a config with %q gets the entry", staff), func(t *testing.T) {
			src := replace(base, "staff:\n  - login: admin\n    role: admin\n    password_hash: \""+demoHash+"\"\n", staff)
			got, err := AddStaff([]byte(src), StaffEntry{Login: "boss", Role: "manager", PasswordHash: newHash})
			if err != nil {
				t.Fatalf("AddStaff: %v", err)
			}
			c, err := Parse("edited.yaml", got)
			if err != nil {
				t.Fatal(err)
			}
			findStaff(t, c, "boss")
		})
	}

	t.Run("CRLF line endings are kept", func(t *testing.T) {
		boss := StaffEntry{Login: "boss", Name: "Орлов", Role: "manager", PasswordHash: newHash}
		lf, err := AddStaff([]byte(base), boss)
		if err != nil {
			t.Fatalf("AddStaff: %v", err)
		}
		got, err := AddStaff([]byte(crlf(base)), boss)
		if err != nil {
			t.Fatalf("AddStaff: %v", err)
		}
		if want := crlf(string(lf)); string(got) != want {
			t.Errorf("got:\n%q\nwant:\n%q", got, want)
		}
	})

	t.Run("problems are reported at lines of the file as it is", func(t *testing.T) {
		// A duplicate token in devices, after staff, and a bad window in the new entry.
		src := replace(demo, "display_tokens: [demo-display]", "display_tokens: [demo-kiosk]")
		_, err := AddStaff([]byte(src), StaffEntry{Login: "op9", Name: "Иванов", Role: "operator", Window: 42, PasswordHash: newHash})
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 2 {
			t.Fatalf("got %v, want two problems", err)
		}
		lines := strings.Split(src, "\n")
		lastOfStaff := slices.Index(lines, "# Bearer tokens devices present. With no kiosk tokens, tickets may be issued") - 1
		for lines[lastOfStaff-1] == "" {
			lastOfStaff--
		}
		want := map[string]int{
			"staff[10].window":          lastOfStaff, // where the entry would go
			"devices.display_tokens[0]": slices.Index(lines, "  display_tokens: [demo-kiosk]") + 1,
		}
		for _, p := range ve.Problems {
			if p.Line != want[p.Path] {
				t.Errorf("%s: line %d, want %d", p.Path, p.Line, want[p.Path])
			}
		}
	})

	refused := []struct {
		name  string
		entry StaffEntry
		path  string // of the loader's problem; "" for an error before the loader
		says  string
	}{
		{"a login already in staff is refused", StaffEntry{Login: "op1", Role: "operator", Name: "Иванов", PasswordHash: newHash}, "", "op1"},
		{"an unknown role is refused", StaffEntry{Login: "op9", Role: "boss", PasswordHash: newHash}, "staff[10].role", "неизвестная роль «boss»"},
		{"an unknown window is refused", StaffEntry{Login: "op9", Name: "Иванов", Role: "operator", Window: 42, PasswordHash: newHash}, "staff[10].window", "окно 42 не описано"},
		{"an operator without a name is refused", StaffEntry{Login: "op9", Role: "operator", PasswordHash: newHash}, "staff[10].name", "обязательное поле"},
		{"a bad login is refused", StaffEntry{Login: "Op 9", Role: "admin", PasswordHash: newHash}, "staff[10].login", "строчные латинские"},
		{"a plain password is refused", StaffEntry{Login: "op9", Role: "admin", PasswordHash: "secret"}, "staff[10].password_hash", "eq user passwd"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AddStaff([]byte(demo), tt.entry)
			if err == nil {
				t.Fatal("got no error")
			}
			var ve *ValidationError
			if tt.path == "" {
				if errors.As(err, &ve) || !strings.Contains(err.Error(), tt.says) {
					t.Fatalf("got %v, want an error saying %q", err, tt.says)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			for _, p := range ve.Problems {
				if p.Path == tt.path && p.Line > 0 && strings.Contains(p.Message, tt.says) {
					return
				}
			}
			t.Errorf("got:\n%v\nwant a problem at %s with its line, saying %q", err, tt.path, tt.says)
		})
	}
}
