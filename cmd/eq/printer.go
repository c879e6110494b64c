package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"eq/configs"
	"eq/devices/escpos"
	"eq/devices/printer"
)

// printerOptions name one printer by its connection, as a technician does
// at the kiosk with a cable in hand.
type printerOptions struct {
	port, tcp, dir  string
	baud            int
	parity          string
	model, codepage string
	noStatus        bool
}

func newPrinterCmd(g *globalOptions) *cobra.Command {
	o := &printerOptions{}
	cmd := &cobra.Command{
		Use:   "printer",
		Short: "принтер талонов: проверка и состояние (ticket printer: test and status)",
	}
	flags := func(c *cobra.Command) {
		c.Flags().StringVar(&o.port, "port", "", "последовательный порт, например /dev/ttyUSB0 (serial port)")
		c.Flags().StringVar(&o.tcp, "tcp", "", "сетевой принтер хост:порт, например 10.0.0.50:9100 (network printer)")
		c.Flags().StringVar(&o.dir, "dir", "", "виртуальный принтер: папка для .bin и .png (virtual printer folder)")
		c.Flags().IntVar(&o.baud, "baud", 19200, "скорость порта (baud)")
		c.Flags().StringVar(&o.parity, "parity", "none", "чётность: none, even, odd (parity)")
		c.Flags().StringVar(&o.model, "model", "generic80", "модель: generic80, generic58, basic58 (model)")
		c.Flags().StringVar(&o.codepage, "codepage", "pc866", "кодовая страница: pc866, wpc1251 (code page)")
		c.Flags().BoolVar(&o.noStatus, "no-status", false, "принтер не отвечает на запрос состояния DLE EOT (no status support)")
	}
	test := &cobra.Command{
		Use:   "test",
		Short: "напечатать пробный талон (print a test ticket)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return runPrinter(cmd.Context(), o, true, cmd.OutOrStdout(), log)
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "показать состояние принтера (show the printer's state)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return runPrinter(cmd.Context(), o, false, cmd.OutOrStdout(), log)
		},
	}
	flags(test)
	flags(status)
	cmd.AddCommand(test, status)
	return cmd
}

func (o *printerOptions) spec() (printerSpec, error) {
	p := configs.Printer{ID: "test", Model: o.model, CodePage: o.codepage, Baud: o.baud, Parity: o.parity}
	n := 0
	if o.port != "" {
		p.Transport, p.Port, n = configs.TransportSerial, o.port, n+1
	}
	if o.tcp != "" {
		p.Transport, p.Address, n = configs.TransportTCP, o.tcp, n+1
	}
	if o.dir != "" {
		p.Transport, p.Dir, n = configs.TransportVirtual, o.dir, n+1
	}
	if n != 1 {
		return printerSpec{}, errors.New("укажите ровно одно из --port, --tcp, --dir (give exactly one of --port, --tcp, --dir)")
	}
	return printerSpec{p}, nil
}

// runPrinter opens the printer, prints a test ticket when print is set, and
// reports the printer's state.
func runPrinter(ctx context.Context, o *printerOptions, print bool, out io.Writer, log *slog.Logger) error {
	spec, err := o.spec()
	if err != nil {
		return err
	}
	t, target, profile, err := spec.transport(".")
	if err != nil {
		return err
	}
	opts := []printer.Option{printer.WithName(target), printer.WithLogger(log), printer.WithPollInterval(0)}
	if o.noStatus {
		opts = append(opts, printer.WithoutStatus())
	}
	p := printer.New(t, profile, opts...)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	var printErr error
	if print {
		data := escpos.Ticket(profile, escpos.TicketData{
			Office: "Проверка принтера — Printer test", Number: "А000", Service: "Пробный талон: кириллица, ёЁ, №",
			IssuedAt: time.Now(), Position: 1, PredictedWait: 5 * time.Minute,
			StatusURL: "http://127.0.0.1:8080/", Lang: "ru", Footer: "Если вы это читаете, принтер работает",
		})
		pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
		printErr = p.Print(pctx, printer.Job{Name: "test", Data: data})
		pcancel()
		if printErr == nil {
			fmt.Fprintf(out, "%s: пробный талон напечатан (test ticket printed)\n", target)
		}
	} else {
		// Run asks the printer's state as it starts; wait for the answer.
		deadline := time.Now().Add(15 * time.Second)
		for p.Status().CheckedAt.IsZero() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	s := p.Status()
	fmt.Fprintf(out, "%s: %s (%s)\n", target, s.Message, s.MessageEN)
	if s.Detail != "" {
		fmt.Fprintf(out, "  %s\n", s.Detail)
	}
	if printErr != nil {
		return fmt.Errorf("%s: %w", target, printErr)
	}
	if !s.Ready && !print {
		return errors.New("принтер не готов (printer not ready)")
	}
	return nil
}
