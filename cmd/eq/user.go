package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"eq/configs"
)

const (
	// minPassword is the shortest staff password accepted, in characters.
	minPassword = 8
	// maxPassword is bcrypt's limit, in bytes: it ignores (x/crypto refuses) the rest.
	maxPassword = 72
	// stubHash stands in for the new password's hash when an edit is tried
	// before the password is asked, so that a wrong login, role or window is
	// reported before anyone types a password twice. It is never written.
	stubHash = "$2a$04$" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

// stdio is where a command reads and writes: questions go to errOut so that
// out holds only the result.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
}

func cmdIO(cmd *cobra.Command) stdio {
	return stdio{cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()}
}

type passwdOptions struct {
	config string // the office config to edit; "" prints a password_hash line instead
	login  string
}

type addOptions struct {
	config string
	staff  configs.StaffEntry // all but the hash, from the flags
}

func newUserCmd() *cobra.Command {
	user := &cobra.Command{
		Use:   "user",
		Short: "учётные записи сотрудников (staff accounts)",
	}
	user.AddCommand(newUserPasswdCmd(), newUserAddCmd())
	return user
}

func newUserPasswdCmd() *cobra.Command {
	o := &passwdOptions{}
	cmd := &cobra.Command{
		Use:   "passwd [LOGIN --config FILE]",
		Short: "задать пароль сотрудника (set a staff password)",
		Long: "Задаёт новый пароль сотрудника LOGIN в файле конфигурации FILE. Пароль читается из стандартного\n" +
			"ввода дважды, две строки должны совпасть; не короче 8 символов. Файл заменяется целиком и только\n" +
			"если конфигурация после изменения верна; комментарии и оформление сохраняются.\n" +
			"Без LOGIN и --config печатает строку password_hash для вставки в файл вручную (повтор пароля\n" +
			"тогда можно не вводить).\n\n" +
			"Sets the password of staff member LOGIN in the config file FILE. The password is read from\n" +
			"standard input twice and both lines must match; at least 8 characters. The file is replaced\n" +
			"only if the edited config is valid; comments and layout are kept.\n" +
			"Without LOGIN and --config, prints a password_hash line to paste by hand (the second line is\n" +
			"then optional).",
		Example: "  eq user passwd op1 --config office.yaml\n  eq user passwd",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.login = args[0]
			}
			return runPasswd(o, cmdIO(cmd))
		},
	}
	cmd.Flags().StringVar(&o.config, "config", "", "файл конфигурации офиса, который изменить (office config file to edit)")
	return cmd
}

func newUserAddCmd() *cobra.Command {
	o := &addOptions{}
	cmd := &cobra.Command{
		Use:   "add LOGIN --config FILE --role ROLE",
		Short: "добавить сотрудника (add a member of staff)",
		Long: "Добавляет сотрудника в раздел staff файла конфигурации и задаёт ему пароль, который читается\n" +
			"из стандартного ввода дважды. Файл заменяется только если конфигурация после изменения верна.\n\n" +
			"Adds a member of staff to the staff section of the config file, with a password read from\n" +
			"standard input twice. The file is replaced only if the edited config is valid.",
		Example: `  eq user add op9 --config office.yaml --name "Орлова Вера Андреевна" --position "ведущий специалист" --role operator --window 3`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.staff.Login = args[0]
			return runAdd(o, cmdIO(cmd))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "файл конфигурации офиса (office config file)")
	f.StringVar(&o.staff.Name, "name", "", "ФИО, видно на табло окна; обязательно для операторов (full name, shown on the window sign; required for operators)")
	f.StringVar(&o.staff.Position, "position", "", "должность (position)")
	f.StringVar(&o.staff.Role, "role", "", "роль: operator, manager или admin (role)")
	f.IntVar(&o.staff.Window, "window", 0, "номер основного окна (home window number)")
	return cmd
}

func runPasswd(o *passwdOptions, s stdio) error {
	switch {
	case o.config == "" && o.login != "":
		return fmt.Errorf("укажите файл конфигурации: eq user passwd %s --config FILE (give the config file)", o.login)
	case o.config != "" && o.login == "":
		return errors.New("укажите логин сотрудника: eq user passwd LOGIN --config FILE (give the login)")
	case o.config == "":
		pw, err := askPassword(s, false)
		if err != nil {
			return err
		}
		hash, err := hashPassword(pw)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(s.out, "password_hash: %q\n", hash)
		return err
	}
	err := editConfig(o.config, s, func(data []byte, hash string) ([]byte, error) {
		return configs.SetPasswordHash(data, o.login, hash)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.out, "Пароль сотрудника %s изменён в %s (password of %s changed). %s\n", o.login, o.config, o.login, restartNote)
	return err
}

func runAdd(o *addOptions, s stdio) error {
	if o.config == "" {
		return fmt.Errorf("укажите файл конфигурации: eq user add %s --config FILE (give the config file)", o.staff.Login)
	}
	if o.staff.Role == "" {
		return errors.New("укажите роль: --role operator, manager или admin (give the role)")
	}
	entry := o.staff
	entry.Name, entry.Position = strings.TrimSpace(entry.Name), strings.TrimSpace(entry.Position)
	err := editConfig(o.config, s, func(data []byte, hash string) ([]byte, error) {
		entry.PasswordHash = hash
		return configs.AddStaff(data, entry)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.out, "Сотрудник %s добавлен в %s (%s added). %s\n", entry.Login, o.config, entry.Login, restartNote)
	return err
}

// restartNote closes a successful edit: the server reads its config once, at start.
const restartNote = "Изменение вступит в силу после перезапуска eq serve (takes effect when eq serve restarts)."

// editConfig applies edit to the config file at path with the hash of a new
// password and replaces the file with the result. edit is tried first with a
// stand-in hash, so mistakes are reported before the password is asked.
func editConfig(path string, s stdio, edit func(data []byte, hash string) ([]byte, error)) error {
	// Through a symlink, edit the file it points to and leave the link be.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("не удалось открыть файл конфигурации (cannot open the config file): %w", err)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return fmt.Errorf("не удалось прочитать файл конфигурации (cannot read the config file): %w", err)
	}
	if _, err := edit(data, stubHash); err != nil {
		return refused(err, path)
	}
	pw, err := askPassword(s, true)
	if err != nil {
		return err
	}
	hash, err := hashPassword(pw)
	if err != nil {
		return err
	}
	out, err := edit(data, hash)
	if err != nil {
		return refused(err, path)
	}
	// Typing a password takes a while; do not undo an edit made meanwhile.
	if now, err := os.ReadFile(real); err != nil || !bytes.Equal(now, data) {
		return errors.New("файл конфигурации изменился, пока вводился пароль: повторите команду (the config file changed while the password was typed: run the command again)")
	}
	return replaceFile(real, out)
}

// refused names the file in a validation error and says nothing was written.
func refused(err error, path string) error {
	if ve, ok := errors.AsType[*configs.ValidationError](err); ok {
		ve.File = path
		return fmt.Errorf("%w\nфайл не изменён (the file is unchanged)", ve)
	}
	return err
}

// askPassword reads a new password, one line, and then its confirmation,
// which must match. Without confirm a missing second line is allowed, for
// scripts that pipe one line in. The password is checked before it is
// asked again.
func askPassword(s stdio, confirm bool) (string, error) {
	read := lineReader(bufio.NewReader(s.in))
	if f, ok := s.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// At a terminal the typing stays hidden.
		read = func() (string, bool) {
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(s.errOut)
			return string(b), err == nil
		}
	}
	fmt.Fprintln(s.errOut, "Новый пароль (new password):")
	pw, ok := read()
	if !ok {
		return "", errors.New("пароль не введён (no password given)")
	}
	if err := checkPassword(pw); err != nil {
		return "", err
	}
	fmt.Fprintln(s.errOut, "Повторите пароль (repeat the password):")
	again, ok := read()
	switch {
	case !ok && confirm:
		return "", errors.New("пароль не подтверждён: введите его второй строкой ещё раз (the password was not confirmed: give it again on a second line)")
	case ok && again != pw:
		return "", errors.New("пароли не совпадают (the passwords do not match)")
	}
	return pw, nil
}

// lineReader reads lines from r, for passwords piped in by scripts.
func lineReader(r *bufio.Reader) func() (string, bool) {
	return func() (string, bool) { return readLine(r) }
}

// readLine reads one line without its line ending; ok is false at the end of input.
func readLine(r *bufio.Reader) (string, bool) {
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return "", false
	}
	return strings.TrimRight(line, "\r\n"), true
}

func checkPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < minPassword:
		return fmt.Errorf("пароль короче %d символов (password shorter than %d characters)", minPassword, minPassword)
	case len(pw) > maxPassword:
		return fmt.Errorf("пароль длиннее %d байт, это около %d русских букв (password longer than %d bytes)", maxPassword, maxPassword/2, maxPassword)
	case pw == demoPassword:
		return errors.New("демонстрационный пароль запрещён (the demo password is not allowed)")
	}
	return nil
}

func hashPassword(pw string) (string, error) {
	if err := checkPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// replaceFile replaces the file at path with data atomically: readers see the
// old file or the new one, never a part, even if the power fails. The new
// file keeps the old one's mode and, where the system has them, its owner.
func replaceFile(path string, data []byte) (err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("не удалось прочитать файл конфигурации (cannot read the config file): %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("не удалось записать файл конфигурации, файл не изменён (cannot write the config file, it is unchanged): %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("не удалось записать файл конфигурации, файл не изменён (cannot write the config file, it is unchanged): %w", err)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		return err
	}
	if err := keepOwner(tmp, fi); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every system can sync a directory
	// (Windows cannot), and the new file is in place already: errors are ignored.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// keepOwner gives f the owner and group of the file it is to replace: an
// administrator running this as root must not leave a root-owned config that
// the server, running as its own user, can no longer read. On Unix fi.Sys()
// is a *syscall.Stat_t with Uid and Gid; elsewhere there is nothing to keep.
// (Reflection keeps this file free of per-system build tags.)
func keepOwner(f *os.File, fi os.FileInfo) error {
	owner := func(fi os.FileInfo) (uid, gid int, ok bool) {
		v := reflect.Indirect(reflect.ValueOf(fi.Sys()))
		if v.Kind() != reflect.Struct {
			return 0, 0, false
		}
		u, g := v.FieldByName("Uid"), v.FieldByName("Gid")
		if !u.IsValid() || !g.IsValid() || !u.CanUint() || !g.CanUint() {
			return 0, 0, false
		}
		return int(u.Uint()), int(g.Uint()), true
	}
	uid, gid, ok := owner(fi)
	if !ok {
		return nil
	}
	nfi, err := f.Stat()
	if err != nil {
		return err
	}
	if nuid, ngid, ok := owner(nfi); ok && nuid == uid && ngid == gid {
		return nil
	}
	if err := f.Chown(uid, gid); err != nil {
		return fmt.Errorf("не удалось сохранить владельца файла (cannot keep the file's owner): %w", err)
	}
	return nil
}
