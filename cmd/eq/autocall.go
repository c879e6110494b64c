package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"eq/configs"
	"eq/queue"
)

// autoCallEvery is how often the server looks for windows whose auto-call
// is due: the pause a window waits is configured in seconds.
const autoCallEvery = time.Second

// wantsAutoCall reports whether any window of cfg opted in to auto-call.
func wantsAutoCall(cfg *configs.Config) bool {
	for _, w := range cfg.Office.Windows {
		if w.AutoCall {
			return true
		}
	}
	return false
}

// autoCalls calls the next visitor at every window whose auto-call is due,
// until ctx ends. The queue decides who and when; this only keeps time.
func autoCalls(ctx context.Context, e *queue.Engine, log *slog.Logger) {
	every(ctx, autoCallEvery, func() {
		called, err := e.AutoCall(ctx)
		for _, n := range called {
			log.Info("auto-call", "window", n)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			log.Error("auto-call", "err", err)
		}
	})
}
