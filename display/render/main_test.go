package render_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"eq/display"
	"eq/display/feed"
	"eq/display/render"
	"eq/display/render/internal/xvfb"
)

// Ebiten draws only inside its game loop, and the loop must own the main
// thread; so the tests run inside the Update of a game, as ebiten's own do,
// on an X display: package xvfb starts Xvfb when there is no DISPLAY.
func TestMain(m *testing.M) {
	if os.Getenv(runChildEnv) != "" {
		os.Exit(runChild())
	}
	code := runInGame(m)
	xvfb.Stop()
	os.Exit(code)
}

type testLoop struct {
	m    *testing.M
	code int
}

func (g *testLoop) Update() error {
	g.code = g.m.Run()
	return ebiten.Termination
}

func (*testLoop) Draw(*ebiten.Image)         {}
func (*testLoop) Layout(int, int) (int, int) { return 64, 64 }

func runInGame(m *testing.M) int {
	ebiten.SetWindowSize(64, 64)
	ebiten.SetWindowTitle("eq render tests")
	ebiten.SetRunnableOnUnfocused(true)
	g := &testLoop{m: m, code: 1}
	if err := ebiten.RunGame(g); err != nil {
		fmt.Fprintf(os.Stderr, "render tests: ebiten: %v\n", err)
		return 1
	}
	return g.code
}

// runChildEnv makes the test binary run render.Run for a moment instead of
// the tests: Run needs the main thread, which the tests' game holds.
const runChildEnv = "EQ_RENDER_RUN_CHILD"

func runChild() int {
	var sh display.Shared
	sh.Sync(demoState(), time.Now())
	sh.SetOnline(true)
	board, _ := feed.ParseBoard(os.Getenv(runChildEnv))
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := render.Run(ctx, render.Options{Title: "eq test", Width: 640, Height: 360, Source: &sh, Board: board}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
