package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"eq/configs"
)

// demoConfigFile writes the demo config to office.yaml in a new temporary
// directory, mode 0640, and returns its path.
func demoConfigFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "office.yaml")
	if err := os.WriteFile(path, configs.DemoYAML(), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return path
}

// runEQ runs the command line with stdin and returns the exit code and outputs.
func runEQ(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func hashes(t *testing.T, path string) map[string]string {
	t.Helper()
	c, err := configs.Load(path)
	if err != nil {
		t.Fatalf("the edited config does not load:\n%v", err)
	}
	m := map[string]string{}
	for _, a := range c.Staff {
		m[a.Login] = a.PasswordHash
	}
	return m
}

// onlyFile checks that the directory of path holds nothing else: no temporary file was left.
func onlyFile(t *testing.T, path string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != filepath.Base(path) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only %s", names, filepath.Base(path))
	}
}

func TestUserPasswdSetsThePasswordInTheConfig(t *testing.T) {
	path := demoConfigFile(t)
	before := hashes(t, path)

	code, out, errOut := runEQ("новый-пароль\nновый-пароль\n", "user", "passwd", "op2", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "op2") {
		t.Errorf("stdout %q does not name op2", out)
	}
	after := hashes(t, path)

	t.Run("the new password verifies and demo no longer does", func(t *testing.T) {
		if err := bcrypt.CompareHashAndPassword([]byte(after["op2"]), []byte("новый-пароль")); err != nil {
			t.Errorf("new password: %v", err)
		}
		if bcrypt.CompareHashAndPassword([]byte(after["op2"]), []byte("demo")) == nil {
			t.Error("demo still opens op2")
		}
	})
	t.Run("other accounts are untouched", func(t *testing.T) {
		for login, h := range before {
			if login != "op2" && after[login] != h {
				t.Errorf("%s: hash changed", login)
			}
		}
		if len(after) != len(before) {
			t.Errorf("got %d accounts, want %d", len(after), len(before))
		}
	})
	t.Run("comments survive", func(t *testing.T) {
		data, _ := os.ReadFile(path)
		if !bytes.HasPrefix(data, []byte("# Demo office of eq")) || !bytes.Contains(data, []byte("# Bearer tokens devices present")) {
			t.Error("a comment was lost")
		}
	})
	t.Run("the mode is kept and no temporary file is left", func(t *testing.T) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o640); got != want {
			t.Errorf("mode %v, want %v", got, want)
		}
		onlyFile(t, path)
	})
}

func TestUserPasswdThroughASymlinkEditsTheTarget(t *testing.T) {
	path := demoConfigFile(t)
	link := filepath.Join(t.TempDir(), "link.yaml")
	if err := os.Symlink(path, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if code, _, errOut := runEQ("новый-пароль\nновый-пароль\n", "user", "passwd", "admin", "--config", link); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file (%v)", err)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hashes(t, path)["admin"]), []byte("новый-пароль")); err != nil {
		t.Errorf("the target was not edited: %v", err)
	}
	onlyFile(t, path)
}

func TestUserAddAddsAnAccount(t *testing.T) {
	path := demoConfigFile(t)
	code, out, errOut := runEQ("пароль-оператора\nпароль-оператора\n", "user", "add", "op9", "--config", path,
		"--name", "Орлова Вера Андреевна", "--position", "ведущий специалист", "--role", "operator", "--window", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "op9") {
		t.Errorf("stdout %q does not name op9", out)
	}
	c, err := configs.Load(path)
	if err != nil {
		t.Fatalf("the edited config does not load:\n%v", err)
	}
	var found bool
	for _, a := range c.Staff {
		if a.Login == "op9" {
			found = true
			if a.Window != 3 {
				t.Errorf("window %d, want 3", a.Window)
			}
			if err := bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte("пароль-оператора")); err != nil {
				t.Errorf("password: %v", err)
			}
		}
	}
	if !found {
		t.Fatal("op9 is not among the accounts")
	}
	for _, op := range c.Office.Operators {
		if op.Login == "op9" && (op.Name != "Орлова Вера Андреевна" || op.Position != "ведущий специалист" || op.Role != "operator") {
			t.Errorf("operator %+v", op)
		}
	}
	if got, want := len(c.Staff), len(configs.Demo().Staff)+1; got != want {
		t.Errorf("got %d accounts, want %d", got, want)
	}
	onlyFile(t, path)
}

func TestUserCommandsRefuse(t *testing.T) {
	const pw = "новый-пароль\nновый-пароль\n"
	tests := []struct {
		name  string
		args  []string // FILE stands for the config's path
		stdin string
		says  string // in stderr
		asked bool   // whether the password was asked before the refusal
	}{
		{"a mismatched confirmation is refused", []string{"user", "passwd", "op2", "--config", "FILE"}, "новый-пароль\nновый-пороль\n", "пароли не совпадают", true},
		{"a missing confirmation is refused", []string{"user", "passwd", "op2", "--config", "FILE"}, "новый-пароль\n", "не подтверждён", true},
		{"no password at all is refused", []string{"user", "passwd", "op2", "--config", "FILE"}, "", "пароль не введён", true},
		{"a short password is refused before it is repeated", []string{"user", "passwd", "op2", "--config", "FILE"}, "short\nshort\n", "короче 8", true},
		{"a password over 72 bytes is refused", []string{"user", "passwd", "op2", "--config", "FILE"}, strings.Repeat("пароль", 7) + "\n", "72", true},
		{"an unknown login is refused before the password", []string{"user", "passwd", "op99", "--config", "FILE"}, pw, "op99", false},
		{"a login without --config is refused", []string{"user", "passwd", "op2"}, pw, "--config", false},
		{"--config without a login is refused", []string{"user", "passwd", "--config", "FILE"}, pw, "логин", false},
		{"a missing config file is refused", []string{"user", "passwd", "op2", "--config", "FILE.missing"}, pw, "cannot open the config file", false},
		{"adding with an unknown window is refused with the line", []string{"user", "add", "op9", "--config", "FILE", "--name", "Орлова", "--role", "operator", "--window", "42"}, pw, "staff[10].window: окно 42 не описано", false},
		{"adding with an unknown role is refused", []string{"user", "add", "op9", "--config", "FILE", "--role", "boss"}, pw, "неизвестная роль «boss»", false},
		{"adding a login already there is refused", []string{"user", "add", "op1", "--config", "FILE", "--name", "Иванов", "--role", "operator"}, pw, "«op1» уже есть", false},
		{"adding without a role is refused", []string{"user", "add", "op9", "--config", "FILE"}, pw, "--role", false},
		{"adding without --config is refused", []string{"user", "add", "op9", "--role", "admin"}, pw, "--config", false},
		{"adding with a mismatched confirmation is refused", []string{"user", "add", "op9", "--config", "FILE", "--role", "admin"}, "новый-пароль\nдругой-пароль\n", "пароли не совпадают", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := demoConfigFile(t)
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.Replace(a, "FILE", path, 1)
			}
			code, out, errOut := runEQ(tt.stdin, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stdout %q", code, out)
			}
			if !strings.Contains(errOut, "eq: ") || !strings.Contains(errOut, tt.says) {
				t.Errorf("stderr %q, want %q in it", errOut, tt.says)
			}
			if asked := strings.Contains(errOut, "Новый пароль"); asked != tt.asked {
				t.Errorf("password asked: %v, want %v", asked, tt.asked)
			}
			data, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(data, configs.DemoYAML()) {
				t.Errorf("the config file changed (%v)", err)
			}
			onlyFile(t, path)
		})
	}

	t.Run("a validation error names the file and the line", func(t *testing.T) {
		path := demoConfigFile(t)
		_, _, errOut := runEQ(pw, "user", "add", "op9", "--config", path, "--name", "Орлова", "--role", "operator", "--window", "42")
		if !regexp.MustCompile(regexp.QuoteMeta(path) + `:\d+: staff\[10\]\.window`).MatchString(errOut) {
			t.Errorf("stderr %q, want %s:LINE: staff[10].window", errOut, path)
		}
		if !strings.Contains(errOut, "файл не изменён") {
			t.Errorf("stderr %q does not say the file is unchanged", errOut)
		}
	})
}

// typingReader gives its lines on the first read, after calling typing:
// what happens while someone types the password.
type typingReader struct {
	typing func()
	lines  *strings.Reader
}

func (r *typingReader) Read(p []byte) (int, error) {
	if r.typing != nil {
		r.typing()
		r.typing = nil
	}
	return r.lines.Read(p)
}

func TestUserPasswdKeepsAnEditMadeWhileTyping(t *testing.T) {
	path := demoConfigFile(t)
	edited := append(configs.DemoYAML(), "# правка другого администратора\n"...)
	in := &typingReader{
		typing: func() { os.WriteFile(path, edited, 0o640) },
		lines:  strings.NewReader("новый-пароль\nновый-пароль\n"),
	}
	var errOut bytes.Buffer
	if code := run([]string{"user", "passwd", "op2", "--config", path}, in, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "изменился") {
		t.Fatalf("exit %d, stderr %q; want a refusal saying the file changed", code, errOut.String())
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, edited) {
		t.Error("the other edit was overwritten")
	}
}

func TestUserPasswdWithoutConfigTakesOneLine(t *testing.T) {
	// Scripts pipe the password in once; a second line, when given, must match.
	code, out, errOut := runEQ("верный-пароль\nневерный-пароль\n", "user", "passwd")
	if code != 1 || out != "" || !strings.Contains(errOut, "не совпадают") {
		t.Errorf("mismatch: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runEQ("верный-пароль\nверный-пароль\n", "user", "passwd")
	hash := strings.Trim(strings.TrimPrefix(strings.TrimSpace(out), "password_hash: "), `"`)
	if code != 0 || bcrypt.CompareHashAndPassword([]byte(hash), []byte("верный-пароль")) != nil {
		t.Errorf("confirmed: exit %d, stdout %q", code, out)
	}
}

func TestStubHashPassesTheLoader(t *testing.T) {
	data, err := configs.SetPasswordHash(configs.DemoYAML(), "op1", stubHash)
	if err != nil {
		t.Fatalf("the stand-in hash is refused: %v", err)
	}
	if bytes.Equal(data, configs.DemoYAML()) {
		t.Fatal("nothing changed")
	}
}
