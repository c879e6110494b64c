package main

import (
	"context"
	"eq/devices/sound"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"eq/display"
	"eq/display/feed"
)

// displayTokenEnv holds the display token when --token is not given: a
// token on the command line shows in the process list.
const displayTokenEnv = "EQ_DISPLAY_TOKEN"

// boardWindow is what the renderer is asked to show (render.Options without
// the render package, which this file must not import; see showBoard).
type boardWindow struct {
	Title         string
	Fullscreen    bool
	Width, Height int
	Source        screenSource
	Board         feed.Board
	Lang          string
}

// screenSource is render.Source: what the renderer draws from.
type screenSource interface {
	Snapshot(into *display.Screen) bool
}

// showBoard draws the board until ctx ends or the window closes. It is
// render.Run, set by display_render.go in builds with the "display" tag, and
// nil otherwise: ebiten, which the renderer draws with, opens the X display
// as the program starts and panics where there is none, so a binary linking
// it could not run `eq serve` on a headless server, nor its tests in CI.
var showBoard func(context.Context, boardWindow) error

// newSpeaker plays announcements at the phrase bank's sample rate: ebiten's
// audio, set beside showBoard in builds with the "display" tag.
var newSpeaker func(rate int) sound.PlayFunc

// displayBinary is the build of eq with the renderer in it (make build
// makes it beside eq); `eq display` hands over to it.
const displayBinary = "eq-display"

// errNoRenderer says neither this binary nor one beside it can draw.
var errNoRenderer = errors.New("табло рисует " + displayBinary + ": соберите его (make build) и положите рядом с eq " +
	"(the display is drawn by " + displayBinary + ": build it with make build and put it beside eq)")

// handOver runs the display build beside this executable with the same
// command line, so that `eq display` works from the server's own binary.
func handOver(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return errNoRenderer
	}
	path := filepath.Join(filepath.Dir(exe), displayBinary)
	if runtime.GOOS == "windows" {
		path += ".exe"
	}
	if _, err := os.Stat(path); err != nil {
		return errNoRenderer
	}
	// The hall must never go dark: when the display dies (ebiten stops it
	// when the sound card fails mid-day, say), start it again; its start-up
	// check then finds the card gone and it goes on in silence.
	wait := time.Second
	for {
		cmd := exec.CommandContext(ctx, path, os.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 5 * time.Second
		started := time.Now()
		err := cmd.Run()
		if err == nil || ctx.Err() != nil {
			return nil // closed by hand, or stopped
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return fmt.Errorf("%s: %w", displayBinary, err)
		}
		if time.Since(started) > time.Minute {
			wait = time.Second // it ran a while: this is a new trouble
		}
		fmt.Fprintf(os.Stderr, "eq: %s остановилось (%v), перезапуск через %v (%s stopped, restarting)\n", displayBinary, err, wait, displayBinary)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

type displayOptions struct {
	server     string
	board      string
	token      string
	fullscreen bool
	width      int
	height     int
	lang       string
	voice      string // a folder with the centre's recorded voice
	noSound    bool
	log        *slog.Logger
	// show draws the board until ctx ends or the window closes: showBoard
	// unless a test puts something else here.
	show func(context.Context, boardWindow) error
}

func newDisplayCmd(g *globalOptions) *cobra.Command {
	o := &displayOptions{show: showBoard}
	cmd := &cobra.Command{
		Use:   "display --board hall|window:N",
		Short: "табло зала или окна (hall display or window sign)",
		Long: "Показывает табло зала (hall) или табло над окном (window:N), следя за сервером очереди.\n" +
			"Токен табло берётся из --token или " + displayTokenEnv + ".\n" +
			"Shows the hall display (hall) or the sign over a window (window:N), following the queue server.\n" +
			"The display token comes from --token or " + displayTokenEnv + ".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			o.log = log
			if o.token == "" {
				o.token = os.Getenv(displayTokenEnv)
			}
			return runDisplay(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.server, "server", defaultConsoleServer, "адрес сервера очереди (queue server address)")
	cmd.Flags().StringVar(&o.board, "board", "hall", "табло: hall или window:N (board: hall or window:N)")
	cmd.Flags().StringVar(&o.token, "token", "", "токен табло (display token; default $"+displayTokenEnv+")")
	cmd.Flags().BoolVar(&o.fullscreen, "fullscreen", false, "во весь экран (full screen)")
	cmd.Flags().IntVar(&o.width, "width", 1280, "ширина окна (window width)")
	cmd.Flags().IntVar(&o.height, "height", 720, "высота окна (window height)")
	cmd.Flags().StringVar(&o.lang, "lang", "ru", "язык табло: ru или en (board language: ru or en)")
	cmd.Flags().StringVar(&o.voice, "voice", "", "папка с записанным голосом центра, ru/ и en/ (the centre's recorded voice)")
	cmd.Flags().BoolVar(&o.noSound, "no-sound", false, "без звуковых объявлений (no announcements)")
	return cmd
}

// runDisplay follows the board's feed and shows it until ctx ends or the
// window is closed. Arguments are checked before anything starts.
func runDisplay(ctx context.Context, o *displayOptions) error {
	board, err := feed.ParseBoard(o.board)
	if err != nil {
		return fmt.Errorf("--board: %w", err)
	}
	if o.lang != "ru" && o.lang != "en" {
		return fmt.Errorf("--lang %q: ожидается ru или en (ru or en expected)", o.lang)
	}
	if o.width <= 0 || o.height <= 0 {
		return fmt.Errorf("--width %d --height %d: размеры должны быть положительными (sizes must be positive)", o.width, o.height)
	}
	if o.show == nil {
		return handOver(ctx)
	}
	log := o.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client, err := feed.Dial(ctx, o.server, board, o.token, feed.WithLogger(log))
	if err != nil {
		return err
	}
	src := &feedSource{client: client, now: time.Now}
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		src.run()
	}()
	defer func() {
		client.Close() // closes Updates, which ends src.run
		<-fed
	}()
	if board == feed.Hall && !o.noSound && newSpeaker != nil {
		if err := announce(ctx, o, client, log); err != nil {
			return err
		}
	}
	log.Info("display started", "board", board.String(), "server", o.server)

	title := "eq — табло зала (hall)"
	if board.Window != 0 {
		title = fmt.Sprintf("eq — окно %d (window %d)", board.Window, board.Window)
	}
	return o.show(ctx, boardWindow{Title: title, Fullscreen: o.fullscreen, Width: o.width, Height: o.height,
		Source: src, Board: board, Lang: o.lang})
}

// feedSource is the renderer's Source over the feed client. The screen
// syncs with each change of the client's state: a call it had not seen
// blinks, one it had keeps its time.
type feedSource struct {
	client *feed.Client
	now    func() time.Time
	screen display.Shared
}

// run follows the client until it ends.
func (s *feedSource) run() {
	var seen uint64
	for range s.client.Updates() {
		st, online, version := s.client.Snapshot()
		if version == seen {
			continue
		}
		seen = version
		s.screen.Sync(st, s.now())
		s.screen.SetOnline(online)
	}
}

// Snapshot copies the screen for the renderer; see display.Shared.
func (s *feedSource) Snapshot(into *display.Screen) bool { return s.screen.Snapshot(into) }

// announce speaks every call the hall display hears, one at a time. A bad
// voice folder stops the display at start, naming what is missing; a PC
// without a working sound card says so once and shows the board in silence.
func announce(ctx context.Context, o *displayOptions, client *feed.Client, log *slog.Logger) error {
	bank, err := loadVoice(o.voice, o.lang)
	if err != nil {
		return err
	}
	if err := soundCard(ctx, bank.SampleRate()); err != nil {
		log.Warn("звука нет: табло работает без объявлений (no sound: the display shows calls without announcing them)", "err", err)
		return nil
	}
	play := newSpeaker(bank.SampleRate())
	q := sound.NewQueue(bank, sound.WithLogger(log))
	go q.Run(ctx, func(ctx context.Context, wav []byte) error {
		if err := play(ctx, wav); err != nil {
			return err // the queue logs it and goes on
		}
		d, _ := sound.Duration(wav)
		log.Info("announced", "seconds", d.Seconds())
		return nil
	})
	go func() {
		for call := range client.Calls() {
			// Age counts from when this PC heard the call: its clock and the
			// server's may differ by minutes, and a stale-call rule on the
			// server's time would silence a display whose clock runs fast.
			q.Add(call, time.Now())
		}
	}()
	log.Info("announcements on", "lang", bank.Lang())
	return nil
}

// soundCard checks that the default sound device plays, with a moment of
// silence through aplay — the same ALSA device the display's audio opens.
func soundCard(ctx context.Context, rate int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	silence := sound.EncodeWAV(sound.Sound{Rate: rate, Samples: make([]int16, rate/20)})
	return sound.Command("aplay", "-q", "-")(ctx, silence)
}
