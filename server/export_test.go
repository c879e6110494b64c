package server

// What the external tests (package server_test) need of the internals. They
// are external so that they can start an office with internal/officetest,
// which imports this package.

const (
	SessionCookie = sessionCookie
	SendBuffer    = sendBuffer // the yardstick benchmark buffers as the hub does
	WriteWait     = writeWait
)

// MustJSON is mustJSON: what the hub sends is encoded the same way in tests.
var MustJSON = mustJSON

// HubCount is the number of consoles and displays connected.
func (s *Server) HubCount() int { return s.hub.count() }

// Broadcast offers msg to the consoles of window, as the fan-out does.
func (s *Server) Broadcast(msg []byte, window int) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.broadcast(msg, consoleClient, window)
}

// BroadcastDisplays offers msg to the displays of window (0: every
// display), as the fan-out does.
func (s *Server) BroadcastDisplays(msg []byte, window int) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.broadcast(msg, displayClient, window)
}
