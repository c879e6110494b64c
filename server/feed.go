package server

import (
	"sync/atomic"

	"eq/queue"
)

// feedBuffer is how many committed batches may wait for the fan-out before
// the feed gives up on deltas and asks for a full resync.
const feedBuffer = 1024

// Feed hears the engine's committed events (it is its queue.Publisher) and
// hands them to the server's fan-out. It never blocks the engine: when the
// fan-out falls behind, the feed marks itself overflowed and the fan-out
// sends every client fresh state instead of the lost deltas.
type Feed struct {
	batches  chan []queue.Event
	overflow atomic.Bool
}

var _ queue.Publisher = (*Feed)(nil)

// NewFeed makes a feed; pass it to queue.NewEngine and to server.Options.
func NewFeed() *Feed { return &Feed{batches: make(chan []queue.Event, feedBuffer)} }

// Publish queues a batch for the fan-out without waiting.
func (f *Feed) Publish(evs []queue.Event) {
	select {
	case f.batches <- evs:
	default:
		f.overflow.Store(true)
	}
}
