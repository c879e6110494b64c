package render

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"eq/display"
	"eq/display/feed"
)

// Source gives the renderer what the display knows. Snapshot copies it into
// into when it changed since into was last filled and reports whether it
// did. The feed client fills it from another goroutine, so it must be safe
// for concurrent use; *display.Shared is one.
type Source interface {
	Snapshot(into *display.Screen) bool
}

var _ Source = (*display.Shared)(nil)

// Options say what to show and how.
type Options struct {
	Title         string     // the window's title; "eq" if empty
	Fullscreen    bool       // full screen, the cursor hidden
	Width, Height int        // the window's size when not full screen; 1280×720 if 0
	Source        Source     // required
	Board         feed.Board // the hall, or a window's sign
	Lang          string     // "ru" (the default) or "en"
	// Now is the display's clock; time.Now if nil.
	Now func() time.Time
}

// Game is the display as an ebiten game: Update takes the latest snapshot
// and lays out the frame, Draw draws it and nothing else.
type Game struct {
	ctx      context.Context
	opts     Options
	screen   display.Screen
	layouter *display.Layouter
	frame    *display.Frame
	size     display.Size
}

var _ ebiten.Game = (*Game)(nil)

// NewGame returns the game for opts; it ends when ctx is done.
func NewGame(ctx context.Context, opts Options) *Game {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Game{ctx: ctx, opts: opts, layouter: display.NewLayouter(Measure)}
}

// Update takes the latest snapshot and lays out the next frame; it ends the
// game with ebiten.Termination when the context is done.
func (g *Game) Update() error {
	if g.ctx.Err() != nil {
		return ebiten.Termination
	}
	if g.opts.Source != nil {
		g.opts.Source.Snapshot(&g.screen)
	}
	if g.size.W > 0 && g.size.H > 0 {
		g.frame = g.layouter.Layout(&g.screen, g.opts.Board, g.size, g.opts.Now(), g.opts.Lang)
		// Make the faces here, so that Draw finds them and only draws.
		for i := range g.frame.Items {
			if it := &g.frame.Items[i]; it.Kind == display.KindText {
				theFaces.get(it.FontSize, it.Bold)
			}
		}
	}
	return nil
}

// Draw draws the last frame laid out.
func (g *Game) Draw(dst *ebiten.Image) {
	if g.frame != nil {
		DrawFrame(dst, g.frame)
	}
}

// Layout makes the game's screen as big as the window in device pixels, so
// that the board is laid out for the real resolution and stays sharp.
func (g *Game) Layout(outsideW, outsideH int) (int, int) {
	scale := 1.0
	if m := ebiten.Monitor(); m != nil {
		scale = m.DeviceScaleFactor()
	}
	g.size = display.Size{W: int(float64(outsideW) * scale), H: int(float64(outsideH) * scale)}
	return g.size.W, g.size.H
}

// Frame is the frame laid out last, nil before the first Update.
func (g *Game) Frame() *display.Frame { return g.frame }

// Run opens the display's window, or takes the whole screen, and shows the
// board until ctx is done or the window is closed. Ebiten must run on the
// main thread: call Run from the main goroutine.
func Run(ctx context.Context, opts Options) error {
	if opts.Source == nil {
		return errors.New("render: run: no source")
	}
	if opts.Title == "" {
		opts.Title = "eq"
	}
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 1280, 720
	}
	ebiten.SetWindowTitle(opts.Title)
	ebiten.SetWindowSize(opts.Width, opts.Height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetRunnableOnUnfocused(true) // a hall display is never focused
	ebiten.SetFullscreen(opts.Fullscreen)
	if opts.Fullscreen {
		ebiten.SetCursorMode(ebiten.CursorModeHidden)
	}
	if err := ebiten.RunGame(NewGame(ctx, opts)); err != nil {
		return fmt.Errorf("render: run: %w", err)
	}
	return nil
}
