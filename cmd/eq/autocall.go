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
// An error is logged when it first appears, not every second it lasts:
// a broken disk must not bury the log. Once the engine has stopped after
// a failure there is nothing left to call with, and the loop ends.
func autoCalls(ctx context.Context, e *queue.Engine, log *slog.Logger) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	last := ""
	every(ctx, autoCallEvery, func() {
		called, err := e.AutoCall(ctx)
		for _, n := range called {
			log.Info("auto-call", "window", n)
		}
		switch {
		case e.Err() != nil:
			log.Error("auto-call stopped: the queue engine has stopped", "err", e.Err())
			stop()
		case err != nil && !errors.Is(err, context.Canceled) && err.Error() != last:
			log.Error("auto-call", "err", err)
			last = err.Error()
		case err == nil && last != "":
			log.Info("auto-call works again")
			last = ""
		}
	})
}
