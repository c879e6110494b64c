//go:build display

package main

import (
	"context"

	"eq/devices/sound"
	"eq/display/render"
)

// With the "display" tag `eq display` draws with display/render (ebiten),
// and the binary then needs an X display to start at all; see showBoard.
func init() {
	newSpeaker = func(rate int) sound.PlayFunc { return render.NewSpeaker(rate).Play }
	showBoard = func(ctx context.Context, w boardWindow) error {
		return render.Run(ctx, render.Options{Title: w.Title, Fullscreen: w.Fullscreen, Width: w.Width, Height: w.Height,
			Source: w.Source, Board: w.Board, Lang: w.Lang})
	}
}

var _ render.Source = (*feedSource)(nil)
