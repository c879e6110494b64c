package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

func TestDisplayRefusesBadFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a board that is neither the hall nor a window", []string{"--board", "lobby"}, "--board"},
		{"window zero", []string{"--board", "window:0"}, "--board"},
		{"a language other than ru and en", []string{"--lang", "de"}, "--lang"},
		{"a window without a width", []string{"--width", "0"}, "--width"},
	} {
		t.Run("eq display refuses "+tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			args := append([]string{"display", "--server", "http://127.0.0.1:1"}, tt.args...)
			if code := run(args, strings.NewReader(""), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and a word on %s", code, errOut.String(), tt.want)
			}
		})
	}
	if showBoard == nil {
		t.Run("an eq built without the display says how to get one", func(t *testing.T) {
			var errOut strings.Builder
			if code := run([]string{"display"}, strings.NewReader(""), &strings.Builder{}, &errOut); code != 1 || !strings.Contains(errOut.String(), "eq-display") {
				t.Errorf("exit %d, stderr %q", code, errOut.String())
			}
		})
	}
}

// TestDisplayFeedsTheScreen runs `eq display` with a stand-in for the
// renderer that watches what it would draw.
func TestDisplayFeedsTheScreen(t *testing.T) {
	o := officetest.Start(t, officetest.WithServerOptions(func(so *server.Options) { so.PingPeriod = 200 * time.Millisecond }))
	ctx := context.Background()
	boss := queue.Actor{Login: "manager", Role: queue.RoleManager}
	if _, err := o.Engine.WindowAction(ctx, queue.WindowCommand{Window: 2, Action: queue.ActionOpen, Actor: boss, Operator: "op2"}); err != nil {
		t.Fatal(err)
	}

	var got boardWindow
	show := func(ctx context.Context, w boardWindow) error {
		got = w
		var s display.Screen
		// waitScreen polls as the renderer does, once a frame.
		waitScreen := func(what string, ok func() bool) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for w.Source.Snapshot(&s); !ok(); w.Source.Snapshot(&s) {
				if time.Now().After(deadline) {
					t.Fatalf("the screen never showed %s: online %v, %d windows, calls %+v", what, s.Online, len(s.State.Windows), s.Calls)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		waitScreen("the office", func() bool {
			return s.Online && len(s.State.Windows) == 8 && s.State.Settings.RunningText == o.Config.Display.RunningText
		})
		if _, err := o.Engine.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
			return err
		}
		v, err := o.Engine.WindowAction(ctx, queue.WindowCommand{Window: 2, Action: queue.ActionCallNext, Actor: queue.Actor{Login: "op2", Role: queue.RoleOperator}})
		if err != nil {
			return err
		}
		waitScreen("the call blinking", func() bool {
			return len(s.Calls) == 1 && s.Calls[0].Number == v.Current.Number && !s.Calls[0].Arrived.IsZero()
		})
		o.Cut()
		waitScreen("the lost connection", func() bool { return !s.Online })
		waitScreen("the connection back", func() bool { return s.Online && len(s.Calls) == 1 })
		return errors.New("window closed")
	}
	err := runDisplay(ctx, &displayOptions{server: o.URL(), board: "hall", token: "demo-display",
		width: 800, height: 600, lang: "en", show: show})
	if err == nil || err.Error() != "window closed" {
		t.Fatalf("runDisplay = %v, want what the renderer returned", err)
	}
	if got.Board != feed.Hall || got.Lang != "en" || got.Width != 800 || got.Height != 600 || got.Fullscreen || !strings.Contains(got.Title, "hall") {
		t.Errorf("the renderer was asked for %+v", got)
	}
}
