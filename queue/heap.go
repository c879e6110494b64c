package queue

import "container/heap"

// ticketHeap orders waiting tickets of one service and class by deadline,
// then by id (ids grow in issue order), so its head is the most urgent.
type ticketHeap []*Ticket

func (h ticketHeap) Len() int { return len(h) }
func (h ticketHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if !a.Deadline.Equal(b.Deadline) {
		return a.Deadline.Before(b.Deadline)
	}
	return a.ID < b.ID
}
func (h ticketHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos = i
	h[j].pos = j
}
func (h *ticketHeap) Push(x any) {
	t := x.(*Ticket)
	t.pos = len(*h)
	*h = append(*h, t)
}
func (h *ticketHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.pos = -1
	return t
}

func (h *ticketHeap) add(t *Ticket)    { heap.Push(h, t) }
func (h *ticketHeap) remove(t *Ticket) { heap.Remove(h, t.pos) }
func (h ticketHeap) head() *Ticket {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// serviceQueue holds the tickets waiting for one service that any window
// serving it may call: one heap per priority class.
type serviceQueue struct {
	privileged, appointment, normal ticketHeap
}

func (q *serviceQueue) heapFor(p Priority) *ticketHeap {
	switch p {
	case PriorityPrivileged:
		return &q.privileged
	case PriorityAppointment:
		return &q.appointment
	default:
		return &q.normal
	}
}

func (q *serviceQueue) len() int { return len(q.privileged) + len(q.appointment) + len(q.normal) }
