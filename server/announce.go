package server

import (
	"net/http"
	"strings"

	"eq/devices/sound"
	"eq/queue"
)

// handleAnnouncement serves GET /api/v1/announcements/{ticket_id}.wav?lang=ru:
// the chime and the words calling the ticket to its window, for displays that
// are browser pages rather than `eq display`. The ticket must be called now.
func (s *Server) handleAnnouncement(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".wav")
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "объявление отдаётся как .wav: /api/v1/announcements/{талон}.wav", "announcements are .wav files: /api/v1/announcements/{ticket}.wav"))
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "ru"
	}
	bank, err := s.voice(lang)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.engine.Ticket(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if t.Status != queue.StatusCalled {
		s.writeError(w, r, queue.Errorf(queue.ECONFLICT, "талон %s сейчас не вызван", "ticket %s is not being called now", t.Number))
		return
	}
	recall := t.History[len(t.History)-1].Recalls > 0
	wav, err := sound.Announce(bank, queue.Call{Ticket: t.ID, Number: t.Number, Service: t.ServiceID, Window: t.Window, Recall: recall})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(wav)
}

// voice is the phrase bank for lang, loaded when the server was made.
func (s *Server) voice(lang string) (*sound.Bank, error) {
	if b, ok := s.voices[lang]; ok {
		return b, nil
	}
	return nil, queue.Errorf(queue.EINVALID, "язык объявлений %q: ru или en", "announcement language %q: ru or en", lang)
}
