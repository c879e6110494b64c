package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/devices/console"
	"eq/queue"
)

// TestBreakReasonsAPI: a break through the API must name one of the demo
// office's reasons; a refusal lists them, an accepted break shows its name.
func TestBreakReasonsAPI(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	op2 := s.signIn(t, "op2")
	op2.act(t, "2", "open", "") // window 2 serves what window 1 does, so the break leaves nobody uncovered

	seq := s.lastSeq(t)
	e := s.refused(t, op1.post(t, "/api/v1/windows/1/break", `{"reason":"проветрить"}`), http.StatusBadRequest, queue.EINVALID, seq)
	for _, want := range []string{"технический перерыв (technical)", "обед (lunch)", "личное (personal)"} {
		if !strings.Contains(e.Error.Message, want) {
			t.Errorf("message %q does not list %q", e.Error.Message, want)
		}
	}
	if !strings.Contains(e.Error.MessageEN, "Lunch (lunch)") {
		t.Errorf("English message %q does not list the reasons", e.Error.MessageEN)
	}

	var w struct {
		OnBreak       bool   `json:"on_break"`
		BreakReason   string `json:"break_reason"`
		BreakReasonID string `json:"break_reason_id"`
	}
	op1.post(t, "/api/v1/windows/1/break", `{"reason":"training","minutes":20}`).decode(t, http.StatusOK, &w)
	if !w.OnBreak || w.BreakReason != "обучение" || w.BreakReasonID != "training" {
		t.Fatalf("window after the break = %+v, want on a break for обучение (training)", w)
	}
}

// TestConsoleBreakReasons: the console's state message carries the list to
// pick from, and a break command naming one is taken.
func TestConsoleBreakReasons(t *testing.T) {
	s := newWSStack(t)
	c := s.mustDial(t, "op1", "?window=1")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Type         string              `json:"type"`
		Outcomes     []queue.Outcome     `json:"outcomes"`
		BreakReasons []queue.BreakReason `json:"break_reasons"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != console.TypeState || len(st.Outcomes) == 0 {
		t.Fatalf("first message %s, want the state with the outcomes still in it", data)
	}
	if want := s.Engine.Office().BreakReasons; len(want) == 0 || !reflect.DeepEqual(st.BreakReasons, want) {
		t.Fatalf("break_reasons = %+v, want the office's %+v", st.BreakReasons, want)
	}

	if r := command(t, c, "1", "open", ""); !r.OK {
		t.Fatalf("open: %+v", r)
	}
	if r := command(t, c, "2", "break", `,"reason":"проветрить","override":false`); r.OK || r.Error == nil || r.Error.Code != queue.EINVALID {
		t.Fatalf("a break for an unlisted reason: %+v, want invalid", r)
	}
	// Window 1 alone serves its services: only a manager's override lets it go.
	m := s.mustDial(t, "manager", "")
	read(t, m)
	if err := m.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","id":"3","action":"break","at_window":1,"reason":"lunch","override":true}`)); err != nil {
		t.Fatal(err)
	}
	r := readUntil(t, m, func(x msg) bool { return x.Type == console.TypeReply && x.ID == "3" })
	if !r.OK || !r.Window.OnBreak || r.Window.BreakReasonID != "lunch" || r.Window.BreakReason != "обед" {
		t.Fatalf("break for lunch: %+v, window %+v", r, r.Window)
	}
}
