package reports

import (
	"context"

	"eq/queue"
)

// staffingTable is written by the staffing work in progress.
func (r *Reader) staffingTable(ctx context.Context, from, to string) (Table, error) {
	return Table{}, queue.Errorf(queue.EINVALID, "staffing in progress", "staffing in progress")
}
