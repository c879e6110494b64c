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
	wake     chan struct{} // one pending signal at most: "batches has something"
	overflow atomic.Bool
}

var _ queue.Publisher = (*Feed)(nil)

// NewFeed makes a feed; pass it to queue.NewEngine and to server.Options.
func NewFeed() *Feed {
	return &Feed{batches: make(chan []queue.Event, feedBuffer), wake: make(chan struct{}, 1)}
}

// Publish queues a batch for the fan-out without waiting.
func (f *Feed) Publish(evs []queue.Event) {
	select {
	case f.batches <- evs:
	default:
		f.overflow.Store(true)
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// drain takes every batch published so far, in order, and reports whether
// any was lost since the last drain. The engine publishes under its lock, so
// drained inside Engine.Read the events are exactly those that led to the
// state read there, no more and no fewer: the calls announced in a round are
// the calls that round's state updates show.
func (f *Feed) drain() (evs []queue.Event, lost bool) {
	for {
		select {
		case b := <-f.batches:
			evs = append(evs, b...)
		default:
			return evs, f.overflow.Swap(false)
		}
	}
}
