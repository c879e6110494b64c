package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

// kiosks is how many kiosks BenchmarkIssueTicketHTTP issues from at once;
// store's BenchmarkDurableInsert, its yardstick, writes from as many
// goroutines.
const kiosks = 8

// waitingCap bounds the queue BenchmarkIssueTicketHTTP builds: a busy
// office has a few hundred visitors waiting, not the tens of thousands a
// long run would pile up, and issuing (which predicts the wait) costs more
// the longer the queue.
const waitingCap = 240

// BenchmarkIssueTicketHTTP is the kiosk's POST /api/v1/tickets against
// the whole server over loopback — JSON in and out, the kiosk token, the
// engine and its durable commit, the fan-out — from 8 kiosks at once, each
// with its own keep-alive connection. Every answer must be 201 with a
// ticket of the service asked for. req/s is tickets issued per second.
//
// Whenever the queue reaches waitingCap the clock stops and the waiting
// tickets are cancelled, so every ticket is issued into a queue of the
// same size range whatever b.N is.
func BenchmarkIssueTicketHTTP(b *testing.B) {
	b.Run(fmt.Sprintf("kiosks=%d", kiosks), func(b *testing.B) {
		// One token for the 8 kiosks, as the demo office has one: its
		// per-kiosk limit, which holds a real kiosk to its printer's pace,
		// is raised out of the way; its bookkeeping is still paid.
		o := officetest.Start(b, officetest.WithServerOptions(func(o *server.Options) { o.KioskPerMinute = 1 << 30 }))
		var services []string
		for _, s := range o.Config.Office.Services {
			if s.Booking == nil || !s.Booking.Only {
				services = append(services, s.ID)
			}
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: kiosks}}
		b.Cleanup(client.CloseIdleConnections)
		url := o.URL() + "/api/v1/tickets"
		issue := func(service string) (string, error) {
			req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"service_id":"`+service+`"}`))
			if err != nil {
				return "", err
			}
			req.Header.Set("Authorization", "Bearer "+kioskToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return "", err
			}
			defer func() {
				// Read to the end, so the kiosk's connection is kept alive.
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
			if resp.StatusCode != http.StatusCreated {
				body, _ := io.ReadAll(resp.Body)
				return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
			}
			var t struct {
				ID        string `json:"id"`
				Number    string `json:"number"`
				ServiceID string `json:"service_id"`
				Status    string `json:"status"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
				return "", err
			}
			if t.ID == "" || t.Number == "" || t.ServiceID != service || t.Status != string(queue.StatusWaiting) {
				return "", fmt.Errorf("got ticket %+v, want a waiting ticket of %s", t, service)
			}
			return t.ID, nil
		}

		var issued []string // every waiting ticket, to cancel between rounds
		ctx := context.Background()
		b.ResetTimer()
		for done := 0; done < b.N; {
			round := min(waitingCap, b.N-done)
			ids, err := issueConcurrently(round, services, done, issue)
			if err != nil {
				b.Fatal(err)
			}
			issued = append(issued, ids...)
			done += round
			if done == b.N {
				break
			}
			b.StopTimer()
			for _, id := range issued {
				if _, err := o.Engine.Cancel(ctx, queue.Actor{}, id); err != nil {
					b.Fatal(err)
				}
			}
			issued = issued[:0]
			b.StartTimer()
		}
		b.StopTimer()
		// Every ticket of the last round must be in the queue, and no other.
		waiting := 0
		for _, s := range o.Engine.Queue().Services {
			waiting += s.Waiting
		}
		if waiting != len(issued) {
			b.Fatalf("%d tickets waiting after the last round of %d", waiting, len(issued))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

// issueConcurrently issues n tickets from kiosks goroutines, the services
// taken in turn from the first'th on, and returns their ids.
func issueConcurrently(n int, services []string, first int, issue func(service string) (string, error)) ([]string, error) {
	var next atomic.Int64
	ids := make([]string, n)
	errs := make(chan error, kiosks)
	var wg sync.WaitGroup
	for range kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				id, err := issue(services[(first+int(i))%len(services)])
				if err != nil {
					errs <- err
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	close(errs)
	return ids, <-errs
}
