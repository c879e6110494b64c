package server_test

import (
	"net/http"
	"testing"
	"time"

	"eq/devices/sound"
	"eq/queue"
)

func TestAnnouncementWAV(t *testing.T) {
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	ticket := s.issue(t, "passport")
	display := func(path string) reply {
		return s.anon().do(t, http.MethodGet, path, "", "Authorization", "Bearer demo-display")
	}
	seq := s.lastSeq(t)
	s.refused(t, display("/api/v1/announcements/"+ticket.ID+".wav"), http.StatusConflict, queue.ECONFLICT, seq)
	op1.act(t, "1", "call-next", "")
	seq = s.lastSeq(t)

	for _, lang := range []string{"", "?lang=en"} {
		r := display("/api/v1/announcements/" + ticket.ID + ".wav" + lang)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "audio/wav" {
			t.Fatalf("lang %q: status %d, type %q", lang, r.Status, r.Header.Get("Content-Type"))
		}
		d, err := sound.Duration(r.Body)
		if err != nil || d < 2*time.Second || d > 8*time.Second {
			t.Fatalf("lang %q: a WAV of %v (%v), want a few seconds of chime and words", lang, d, err)
		}
	}
	refusals := []struct {
		name   string
		r      reply
		status int
		code   queue.Code
	}{
		{"without a display token", s.anon().get(t, "/api/v1/announcements/"+ticket.ID+".wav"), http.StatusUnauthorized, queue.EUNAUTHORIZED},
		{"with a kiosk's token", s.kiosk().get(t, "/api/v1/announcements/"+ticket.ID+".wav"), http.StatusUnauthorized, queue.EUNAUTHORIZED},
		{"for an unknown ticket", display("/api/v1/announcements/20200101-000001.wav"), http.StatusNotFound, queue.ENOTFOUND},
		{"not as a .wav", display("/api/v1/announcements/" + ticket.ID + ".mp3"), http.StatusNotFound, queue.ENOTFOUND},
		{"in German", display("/api/v1/announcements/" + ticket.ID + ".wav?lang=de"), http.StatusBadRequest, queue.EINVALID},
	}
	for _, tt := range refusals {
		t.Run("an announcement "+tt.name+" is refused", func(t *testing.T) {
			s.refused(t, tt.r, tt.status, tt.code, seq)
		})
	}
}
