package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
)

// minPassword is the shortest staff password accepted.
const minPassword = 8

func newUserCmd() *cobra.Command {
	user := &cobra.Command{
		Use:   "user",
		Short: "учётные записи сотрудников (staff accounts)",
	}
	user.AddCommand(&cobra.Command{
		Use:   "passwd",
		Short: "получить хэш пароля для конфигурации (make a password hash for the config)",
		Long: "Читает пароль из стандартного ввода и печатает строку password_hash для файла конфигурации.\n" +
			"Reads a password from standard input and prints the password_hash line for the config file.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.ErrOrStderr(), "Пароль (password):")
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("пароль не введён (no password given)")
			}
			hash, err := hashPassword(strings.TrimRight(line, "\r\n"))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "password_hash: %q\n", hash)
			return err
		},
	})
	return user
}

func hashPassword(pw string) (string, error) {
	if utf8.RuneCountInString(pw) < minPassword {
		return "", fmt.Errorf("пароль короче %d символов (password shorter than %d characters)", minPassword, minPassword)
	}
	if pw == demoPassword {
		return "", errors.New("демонстрационный пароль запрещён (the demo password is not allowed)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}
