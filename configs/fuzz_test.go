package configs

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"eq/internal/yamltest"
	"eq/queue"
)

// Office configs are written by hand in whatever editor the centre has, so
// Parse and the edits of `eq user` meet every mistake a YAML file can hold.
// The seed corpus in testdata/fuzz runs with every `go test`; `make fuzz`
// (scripts/fuzz.sh) searches further.

// fuzzSeeds are the inputs every target here starts from besides its
// testdata/fuzz corpus: the demo, the small base of the tests, and the same
// with the line endings and marks editors on Windows add.
func fuzzSeeds() []string {
	demo := string(demoYAML)
	return []string{
		demo,
		base,
		crlf(base),
		"\ufeff" + base,
		strings.ReplaceAll(base, "  ", "\t"),
		strings.Replace(base, "role: admin", "role: boss", 1),
		strings.Replace(base, `password_hash: "`+demoHash+`"`, "password: demo", 1),
		"",
		"office: [\n",
		"*x",
	}
}

// FuzzParse checks that Parse refuses a file with every problem said in
// Russian and English, or returns a config the domain takes; and that such
// a config survives the edits of `eq user` with nothing changed but the edit.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkRefusal(t, err, "fuzz.yaml", data)
			return
		}
		checkConfig(t, c, "fuzz.yaml")
		if n := yamltest.Documents(data); n != 1 {
			t.Fatalf("Parse accepted a file of %d YAML documents: all but the first go unread", n)
		}
		checkPasswordEdit(t, data, c, c.Staff[0].Login)
		checkAddStaff(t, data, c)
	})
}

// FuzzEdit runs the edits of `eq user` on any file, valid or not: a file
// that only lacks a password hash is what `eq user passwd` exists to fix.
func FuzzEdit(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s), "admin")
	}
	f.Add([]byte(strings.Replace(base, "  - login: admin\n", "  - login: admin\n    password_hash: &h x\n    x: *h\n", 1)), "admin")
	f.Add([]byte("staff:\n  - &a {login: admin, role: admin}\n  - *a\n"), "admin")
	f.Fuzz(func(t *testing.T, data []byte, login string) {
		out, err := SetPasswordHash(data, login, newHash)
		if err != nil {
			if out != nil {
				t.Errorf("SetPasswordHash returned %d bytes with the error %v", len(out), err)
			}
			return
		}
		c, err := Parse("edited.yaml", out)
		if err != nil {
			t.Fatalf("SetPasswordHash returned a file Parse refuses:\n%v\n--- file:\n%s", err, out)
		}
		if n := yamltest.Documents(data); n != 1 {
			t.Fatalf("SetPasswordHash edited a file of %d YAML documents: the edit keeps the first alone", n)
		}
		if got := staffHash(c, login); got != newHash {
			t.Errorf("after SetPasswordHash the hash of %q is %q, want %q", login, got, newHash)
		}
	})
}

// checkRefusal checks that err is the promised *ValidationError: every
// problem said in Russian and English, placed in the file, in line order.
func checkRefusal(t *testing.T, err error, name string, data []byte) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse: got %T %v, want a *ValidationError", err, err)
	}
	if ve.File != name {
		t.Errorf("File = %q, want %q", ve.File, name)
	}
	if n := len(ve.Problems); n == 0 || n > maxProblems+1 {
		t.Fatalf("got %d problems, want 1 to %d", n, maxProblems+1)
	}
	lines := yamlLines(data)
	for i, p := range ve.Problems {
		if !cyrillic(p.Message) || strings.TrimSpace(p.MessageEN) == "" {
			t.Errorf("problem %d: %q (%q): want a Russian message and an English one", i, p.Message, p.MessageEN)
		}
		if p.Line < 0 || p.Line > lines || p.Column < 0 {
			t.Errorf("problem %d at %d:%d, outside the file's %d lines: %s", i, p.Line, p.Column, lines, p)
		}
		if i > 0 && p.Line < ve.Problems[i-1].Line {
			t.Errorf("problem %d at line %d comes after line %d: want line order", i, p.Line, ve.Problems[i-1].Line)
		}
	}
	if !strings.HasPrefix(err.Error(), name) {
		t.Errorf("the error does not start with the file name: %v", err)
	}
}

// checkConfig checks what Parse promises of a config it returns: the
// domain takes the office, and the parts outside it refer to each other.
func checkConfig(t *testing.T, c *Config, name string) {
	t.Helper()
	if c.Source != name {
		t.Errorf("Source = %q, want %q", c.Source, name)
	}
	if _, err := queue.NewState(c.Office); err != nil {
		t.Fatalf("Parse accepted an office the domain refuses: %v", err)
	}
	if loc := c.Office.Location; loc == nil || loc == time.Local {
		t.Errorf("the office's zone is %v: want a named zone", loc)
	}
	if len(c.Staff) == 0 || len(c.Staff) != len(c.Office.Operators) {
		t.Fatalf("%d accounts for %d operators", len(c.Staff), len(c.Office.Operators))
	}
	windows := map[int]bool{}
	for _, w := range c.Office.Windows {
		windows[w.Number] = true
	}
	supervisors := 0
	for i, a := range c.Staff {
		if op := c.Office.Operators[i]; op.Login != a.Login || op.Role != a.Role {
			t.Errorf("account %d is %s/%s, operator %d is %s/%s", i, a.Login, a.Role, i, op.Login, op.Role)
		}
		if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
			t.Errorf("%s: password hash %q: %v", a.Login, a.PasswordHash, err)
		}
		if a.Window != 0 && !windows[a.Window] {
			t.Errorf("%s: home window %d is not a window of the office", a.Login, a.Window)
		}
		if a.Role.Supervises() {
			supervisors++
		}
	}
	if supervisors == 0 {
		t.Error("no admin or manager among the staff")
	}
	tokens := map[string]bool{}
	for _, tok := range slices.Concat(c.KioskTokens, c.DisplayTokens) {
		if tok == "" || strings.ContainsAny(tok, " \t\r\n") || tokens[tok] {
			t.Errorf("token %q is empty, has spaces or is given twice", tok)
		}
		tokens[tok] = true
	}
	for _, p := range c.Printers {
		if !slices.Contains(c.KioskTokens, p.KioskToken) {
			t.Errorf("printer %s serves %q, which is no kiosk token", p.ID, p.KioskToken)
		}
		if !printerModels[p.Model] || !codePages[p.CodePage] {
			t.Errorf("printer %s: model %q, code page %q", p.ID, p.Model, p.CodePage)
		}
		if (p.Transport == TransportVirtual) != (p.Dir != "") || (p.Transport == TransportSerial) != (p.Port != "") || (p.Transport == TransportTCP) != (p.Address != "") {
			t.Errorf("printer %s: transport %q with dir %q, port %q, address %q", p.ID, p.Transport, p.Dir, p.Port, p.Address)
		}
	}
	if c.Display.Blink <= 0 || c.Display.Blink > maxBlink {
		t.Errorf("blink %v, want (0, %v]", c.Display.Blink, maxBlink)
	}
	if c.Appointments.Retention < 0 {
		t.Errorf("retention %v is negative", c.Appointments.Retention)
	}
}

// checkPasswordEdit sets login's hash and checks that the file says the
// same as before but for that hash.
func checkPasswordEdit(t *testing.T, data []byte, c *Config, login string) {
	t.Helper()
	out, err := SetPasswordHash(data, login, newHash)
	if err != nil {
		// The one refusal of a valid file: an entry written as an alias.
		if !strings.Contains(err.Error(), "(alias)") {
			t.Fatalf("SetPasswordHash(%s) of a valid file: %v", login, err)
		}
		return
	}
	got, err := Parse("fuzz.yaml", out)
	if err != nil {
		t.Fatalf("SetPasswordHash(%s) made a valid file invalid:\n%v\n--- file:\n%s", login, err, out)
	}
	want := *c
	want.Staff = slices.Clone(c.Staff)
	for i := range want.Staff {
		if want.Staff[i].Login == login {
			want.Staff[i].PasswordHash = newHash
		}
	}
	if diff := configDiff(got, &want); diff != "" {
		t.Errorf("SetPasswordHash(%s) changed more than the hash: %s\n--- file:\n%s", login, diff, out)
	}
}

// checkAddStaff adds a member of staff and checks that the file says the
// same as before plus that one.
func checkAddStaff(t *testing.T, data []byte, c *Config) {
	t.Helper()
	e := StaffEntry{Login: "fuzz.new", Name: "Новикова Анна Петровна", Position: "специалист", Role: "operator",
		Window: c.Office.Windows[0].Number, PasswordHash: newHash}
	if staffHash(c, e.Login) != "" {
		return
	}
	out, err := AddStaff(data, e)
	if err != nil {
		t.Fatalf("AddStaff to a valid file: %v", err)
	}
	got, err := Parse("fuzz.yaml", out)
	if err != nil {
		t.Fatalf("AddStaff made a valid file invalid:\n%v\n--- file:\n%s", err, out)
	}
	want := *c
	office := *c.Office
	want.Office = &office
	office.Operators = append(slices.Clone(c.Office.Operators), queue.Operator{Login: e.Login, Name: e.Name, Position: e.Position, Role: queue.RoleOperator})
	want.Staff = append(slices.Clone(c.Staff), Account{Login: e.Login, PasswordHash: e.PasswordHash, Role: queue.RoleOperator, Window: e.Window})
	if diff := configDiff(got, &want); diff != "" {
		t.Errorf("AddStaff changed more than the staff it adds: %s\n--- file:\n%s", diff, out)
	}
}

// configDiff names the first part of two configs that differs, or "".
// Zones compare by name: each Parse loads its own *time.Location.
func configDiff(got, want *Config) string {
	if got.Office.Location.String() != want.Office.Location.String() {
		return "zone " + got.Office.Location.String() + " ≠ " + want.Office.Location.String()
	}
	g, w := *got.Office, *want.Office
	g.Location, w.Location = nil, nil
	parts := []struct {
		name      string
		got, want any
	}{
		{"office", g, w}, {"staff", got.Staff, want.Staff}, {"kiosk tokens", got.KioskTokens, want.KioskTokens},
		{"display tokens", got.DisplayTokens, want.DisplayTokens}, {"printers", got.Printers, want.Printers},
		{"display", got.Display, want.Display}, {"appointments", got.Appointments, want.Appointments},
	}
	for _, p := range parts {
		if !reflect.DeepEqual(p.got, p.want) {
			return p.name + " differ"
		}
	}
	return ""
}

// yamlLines counts data's lines as YAML does: a CR alone ends a line too,
// and libyaml, which yaml.v3 ports, also breaks at NEL, LS and PS.
func yamlLines(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// staffHash is the password hash of login, or "" when there is no such login.
func staffHash(c *Config, login string) string {
	for _, a := range c.Staff {
		if a.Login == login {
			return a.PasswordHash
		}
	}
	return ""
}

func cyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}
