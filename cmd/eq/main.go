// Command eq is the electronic queue of a one-window public service centre:
// the server, and the tools that run beside it.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code; tests call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "eq:", err)
		return 1
	}
	return 0
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	logLevel string
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "eq",
		Short: "eq — электронная очередь МФЦ (electronic queue for one-window service centres)",
		Long: "eq — электронная очередь многофункционального центра: талоны, окна операторов, табло, отчёты.\n" +
			"eq is the electronic queue of a one-window public service centre.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "уровень журнала: debug, info, warn, error (log level)")
	root.AddCommand(newServeCmd(g), newPrinterCmd(g), newSayCmd(), newUserCmd(), newConfigCmd(), newVersionCmd())
	root.AddCommand(newConsoleCmd(g))
	root.AddCommand(newDisplayCmd(g))
	root.AddCommand(newAppointmentsCmd())
	root.AddCommand(newReportCmd())
	root.AddCommand(newSimulateCmd())
	root.AddCommand(newBackupCmd(), newRestoreCmd())
	return root
}

// logger builds the process's logger: text to stderr, at the chosen level.
func (g *globalOptions) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(g.logLevel))); err != nil {
		return nil, fmt.Errorf("--log-level %q: ожидается debug, info, warn или error (expected debug, info, warn or error)", g.logLevel)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "версия программы (print the version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "eq", version)
			return err
		},
	}
}
