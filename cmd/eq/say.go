package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"eq/devices/sound"
	"eq/queue"
)

type sayOptions struct {
	lang   string
	out    string // a WAV file to write instead of playing; "-" is stdout
	voice  string // a folder with a centre's own recordings, ru/ and en/ in it
	recall bool
}

func newSayCmd() *cobra.Command {
	o := &sayOptions{}
	cmd := &cobra.Command{
		Use:   "say TICKET WINDOW",
		Short: "произнести вызов талона к окну (play or write one announcement)",
		Long: "Произносит вызов, например: eq say А12 5 — «Талон А двенадцать — окно номер пять».\n" +
			"Без --out играет через aplay; с --out пишет WAV.\n" +
			"Says a call, e.g. eq say А12 5. Without --out it plays through aplay; with --out it writes a WAV.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSay(cmd.Context(), o, args[0], args[1], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.lang, "lang", "ru", "язык: ru или en (language)")
	cmd.Flags().StringVar(&o.out, "out", "", "записать WAV в файл (\"-\" — в стандартный вывод) вместо звука (write a WAV instead of playing)")
	cmd.Flags().StringVar(&o.voice, "voice", "", "папка с записанным голосом центра (a folder with the centre's recorded voice)")
	cmd.Flags().BoolVar(&o.recall, "recall", false, "повторный вызов (a repeated call)")
	return cmd
}

// loadVoice is the centre's recorded voice from dir, or the default one.
func loadVoice(dir, lang string) (*sound.Bank, error) {
	if dir == "" {
		return sound.DefaultBank(lang)
	}
	return sound.LoadBank(os.DirFS(dir), lang)
}

func runSay(ctx context.Context, o *sayOptions, number, window string, stdout io.Writer) error {
	n, err := strconv.Atoi(window)
	if err != nil {
		return fmt.Errorf("окно %q: нужен номер (window %q: a number is needed)", window, window)
	}
	bank, err := loadVoice(o.voice, o.lang)
	if err != nil {
		return err
	}
	wav, err := sound.Announce(bank, queue.Call{Number: number, Window: n, Recall: o.recall})
	if err != nil {
		return err
	}
	switch o.out {
	case "":
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := sound.Command("aplay", "-q", "-")(ctx, wav); err != nil {
			return fmt.Errorf("не удалось воспроизвести (cannot play; --out FILE writes a WAV instead): %w", err)
		}
		return nil
	case "-":
		_, err := stdout.Write(wav)
		return err
	}
	if err := os.WriteFile(o.out, wav, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	d, _ := sound.Duration(wav)
	_, err = fmt.Fprintf(stdout, "%s: %s, %.1f с\n", o.out, number, d.Seconds())
	return err
}
