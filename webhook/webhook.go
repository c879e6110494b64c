// Package webhook tells the centre's information systems of every ticket
// event: it posts each one, signed, to the configured HTTP endpoints.
//
// The events to post are promised in the store's outbox, in the same
// transaction that appends them (store.WebhookLog), so none is lost to a
// crash or a restart. A Deliverer reads the outbox in its own goroutine
// per endpoint and marks each event delivered once the endpoint answers
// 2xx: the queue never waits for an information system. Delivery is at
// least once, with a stable event id receivers deduplicate by (EventID),
// and in log order per ticket. docs/webhooks.md is the receivers' side of
// it.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"eq/queue/store"
)

// Outbox is the part of the store a Deliverer works on.
type Outbox interface {
	OutboxDue(ctx context.Context, endpoint string, now time.Time, horizon time.Duration, limit int) ([]store.OutboxItem, error)
	OutboxNextAttempt(ctx context.Context, endpoint string, now time.Time, horizon time.Duration) (time.Time, bool, error)
	OutboxDelivered(ctx context.Context, endpoint string, seq int64, at time.Time) error
	OutboxFailed(ctx context.Context, endpoint string, seq int64, next time.Time, why string) error
	OutboxPending(ctx context.Context) (map[string]int, error)
}

var _ Outbox = (*store.Store)(nil)

// Endpoint is one information system to tell of ticket events.
type Endpoint struct {
	Name   string // the outbox keeps deliveries by name
	URL    string // http or https; events are POSTed to it
	Secret string // the HMAC key of X-EQ-Signature
}

// Defaults of Options.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 5 * time.Minute
	DefaultPoll       = time.Minute
)

// batch is how many due events one look at the outbox takes.
const batch = 100

// bodyPrefix is how much of a refusing receiver's answer goes to the log.
const bodyPrefix = 256

// Options configure a Deliverer. Endpoints and Outbox are required.
type Options struct {
	Endpoints []Endpoint
	Outbox    Outbox
	// Wake, when set, makes the deliverer look at once after it receives,
	// instead of at its next timer (store.WebhookLog.Written).
	Wake <-chan struct{}
	// Logger gets a line per failed attempt; nil discards.
	Logger *slog.Logger
	// Client sends the requests; nil is a client with Timeout that
	// follows no redirects (a redirect is a misconfigured URL, and would
	// turn the POST into a GET), whose idle connections are closed when
	// Run returns.
	Client *http.Client
	// Timeout bounds one request, answer included; 0 is DefaultTimeout.
	// Ignored when Client is set.
	Timeout time.Duration
	// MinBackoff is the wait before the second attempt of an event; it
	// doubles with each failure up to MaxBackoff, with random jitter down
	// to half, so the retries of many events spread out. The same applies
	// to the endpoint as a whole after failures in a row, so a dead
	// receiver is probed, not hammered. 0 is the default. A retry set
	// further ahead than MaxBackoff (by a clock that ran ahead and was
	// put right since) is made at once.
	MinBackoff, MaxBackoff time.Duration
	// Poll is the longest the deliverer sleeps with nothing due; 0 is
	// DefaultPoll. Wake and the earliest retry usually wake it sooner.
	Poll time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Deliverer posts the outbox's events to the endpoints.
type Deliverer struct {
	endpoints []Endpoint
	outbox    Outbox
	wake      <-chan struct{}
	log       *slog.Logger
	client    *http.Client
	ownClient bool // client was made by New: Run closes its idle connections
	min, max  time.Duration
	poll      time.Duration
	now       func() time.Time
}

// New checks o and returns a Deliverer; Run starts it.
func New(o Options) (*Deliverer, error) {
	if o.Outbox == nil {
		return nil, errors.New("webhook: нет хранилища (no outbox)")
	}
	seen := map[string]bool{}
	for i, e := range o.Endpoints {
		if e.Name == "" {
			return nil, fmt.Errorf("webhook: у получателя %d нет имени (endpoint %d has no name)", i+1, i+1)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("webhook: получатель %q назван дважды (endpoint %q named twice)", e.Name, e.Name)
		}
		seen[e.Name] = true
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("webhook: адрес получателя %q «%s»: нужен полный адрес http:// или https:// (endpoint %q: a full http:// or https:// address is needed)", e.Name, e.URL, e.Name)
		}
		if e.Secret == "" {
			return nil, fmt.Errorf("webhook: у получателя %q нет секрета для подписи (endpoint %q has no signing secret)", e.Name, e.Name)
		}
	}
	if o.MinBackoff < 0 || o.MaxBackoff < 0 || o.Poll < 0 || o.Timeout < 0 {
		return nil, errors.New("webhook: отрицательная пауза или тайм-аут (a negative backoff, poll or timeout)")
	}
	d := &Deliverer{
		endpoints: slices.Clone(o.Endpoints),
		outbox:    o.Outbox,
		wake:      o.Wake,
		log:       o.Logger,
		client:    o.Client,
		min:       orDefault(o.MinBackoff, DefaultMinBackoff),
		max:       orDefault(o.MaxBackoff, DefaultMaxBackoff),
		poll:      orDefault(o.Poll, DefaultPoll),
		now:       o.Now,
	}
	if d.max < d.min {
		return nil, fmt.Errorf("webhook: наибольшая пауза %s меньше наименьшей %s (max backoff below min backoff)", d.max, d.min)
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.client == nil {
		d.client = newClient(orDefault(o.Timeout, DefaultTimeout))
		d.ownClient = true
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d, nil
}

// orDefault is v, or def when v is zero.
func orDefault(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// newClient is an HTTP client whose every request ends within timeout and
// which follows no redirects.
func newClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run delivers until ctx ends, one goroutine per endpoint, and returns
// once they all have stopped; a request in flight is abandoned and sent
// again by the next run. Failures are logged and retried, never returned:
// nothing a receiver or the disk does may stop the server. One Run at a
// time per store: two would post the same events twice.
func (d *Deliverer) Run(ctx context.Context) {
	if d.ownClient {
		// Deferred first, so run last, after every loop has stopped: the
		// keep-alive connections to the receivers are not left open for
		// the life of the process. A later Run dials again.
		defer d.client.CloseIdleConnections()
	}
	if len(d.endpoints) > 0 {
		names := make([]string, len(d.endpoints))
		for i, e := range d.endpoints {
			names[i] = e.Name
		}
		d.log.Info("webhook: события талонов отправляются во внешние системы (ticket events go to the information systems)", "endpoints", names)
	}
	d.reportOrphans(ctx)
	wakes := make([]chan struct{}, len(d.endpoints))
	var wg sync.WaitGroup
	for i, e := range d.endpoints {
		wakes[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := &loop{d: d, ep: e, wake: wakes[i]}
			l.run(ctx)
		}()
	}
	defer wg.Wait()
	if d.wake == nil {
		<-ctx.Done()
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
			for _, w := range wakes {
				select {
				case w <- struct{}{}:
				default: // that endpoint has a wake-up pending already
				}
			}
		}
	}
}

// reportOrphans logs, once, the endpoints with undelivered events that are
// no longer configured. Their rows are kept: an endpoint renamed back, or
// configured again, gets them.
func (d *Deliverer) reportOrphans(ctx context.Context) {
	pending, err := d.outbox.OutboxPending(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("webhook: count undelivered events", "err", err)
		}
		return
	}
	names := make([]string, 0, len(pending))
	for name := range pending {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.ContainsFunc(d.endpoints, func(e Endpoint) bool { return e.Name == name }) {
			d.log.Warn("webhook: получатель убран из конфигурации, его недоставленные события сохранены (endpoint no longer configured: its undelivered events are kept)",
				"endpoint", name, "pending", pending[name])
		}
	}
}

// backoff is the wait after the n-th failure in a row (n ≥ 1): min
// doubled n-1 times, at most max, and then a random part of it down to
// half taken off.
func (d *Deliverer) backoff(n int) time.Duration {
	b := d.min
	for i := 1; i < n && b < d.max; i++ {
		b *= 2
	}
	b = min(b, d.max)
	return b - rand.N(b/2+1)
}

// loop delivers to one endpoint.
type loop struct {
	d    *Deliverer
	ep   Endpoint
	wake chan struct{}
}

// result is how one attempt went.
type result int

const (
	delivered result = iota
	failed
	stopped // ctx ended during the attempt: nothing recorded
)

func (l *loop) run(ctx context.Context) {
	streak := 0 // failures in a row at this endpoint, whatever the event
	for ctx.Err() == nil {
		items, err := l.d.outbox.OutboxDue(ctx, l.ep.Name, l.d.now(), l.d.max, batch)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			streak++
			l.d.log.Error("webhook: read the outbox", "endpoint", l.ep.Name, "err", err)
			sleep(ctx, l.d.backoff(streak))
			continue
		}
		if len(items) == 0 {
			l.idle(ctx)
			continue
		}
		for _, it := range items {
			switch l.deliver(ctx, it) {
			case stopped:
				return
			case delivered:
				streak = 0
			case failed:
				streak++
				if !sleep(ctx, l.d.backoff(streak)) {
					return
				}
			}
		}
	}
}

// idle waits until the earliest retry is due, a wake-up, the poll
// period, or the end of ctx, whichever comes first.
func (l *loop) idle(ctx context.Context) {
	wait := l.d.poll
	now := l.d.now()
	next, ok, err := l.d.outbox.OutboxNextAttempt(ctx, l.ep.Name, now, l.d.max)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			l.d.log.Error("webhook: read the outbox", "endpoint", l.ep.Name, "err", err)
		}
	case ok:
		// A floor, so that a clock disagreeing with the store by a
		// millisecond cannot spin the loop.
		wait = max(min(wait, next.Sub(now)), 10*time.Millisecond)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-l.wake:
	}
}

// sleep waits for d or the end of ctx and reports whether ctx is still on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// markTimeout bounds recording an attempt's result; it runs even when ctx
// has just ended, so that a 2xx received is not forgotten.
const markTimeout = 10 * time.Second

// deliver posts it once and records how it went.
func (l *loop) deliver(ctx context.Context, it store.OutboxItem) result {
	seq := it.Event.Seq
	attempt := it.Attempts + 1
	p := NewPayload(it)
	body, err := json.Marshal(p)
	if err != nil { // cannot happen with Payload's field types; recorded all the same
		return l.fail(ctx, it, attempt, fmt.Errorf("webhook: encode event %s: %w", p.ID, err), slog.LevelError, "")
	}
	status, prefix, err := l.post(ctx, p, attempt, body)
	if err != nil {
		if ctx.Err() != nil {
			return stopped // shutting down: not the receiver's failure
		}
		return l.fail(ctx, it, attempt, err, slog.LevelInfo, "")
	}
	if status < 200 || status > 299 {
		// 408, 429 and 5xx are the receiver being busy or down. Anything
		// else is still retried — the receiver may be misconfigured and
		// fixed — but said louder, with what it answered.
		level := slog.LevelWarn
		if status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500 {
			level = slog.LevelInfo
		}
		return l.fail(ctx, it, attempt, fmt.Errorf("webhook: HTTP %d", status), level, prefix)
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	if err := l.d.outbox.OutboxDelivered(mctx, l.ep.Name, seq, l.d.now()); err != nil {
		// The receiver has it; it will get it again, and dedupe by id.
		l.d.log.Error("webhook: record a delivery", "endpoint", l.ep.Name, "event", p.ID, "attempt", attempt, "err", err)
		return failed
	}
	return delivered
}

// post sends body, the encoding of p, and returns the status and the start
// of the answer.
func (l *loop) post(ctx context.Context, p Payload, attempt int, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("webhook: request to %s: %w", l.ep.Name, redactError(err))
	}
	ts := l.d.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "eq-webhook/1")
	req.Header.Set(HeaderEventID, p.ID)
	req.Header.Set(HeaderEventType, p.Type)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(l.ep.Secret, ts, body))
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	resp, err := l.d.client.Do(req)
	if err != nil {
		return 0, "", redactError(err)
	}
	defer resp.Body.Close()
	prefix, _ := io.ReadAll(io.LimitReader(resp.Body, bodyPrefix))
	// Read a little more so the connection can be reused; a receiver
	// answering megabytes gets its connection closed instead.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(prefix), nil
}

// redactError hides, in the URL an error of net/http names, what may be a
// secret: a receiver may take its key in the query (?token=…) or in user
// info, and the error goes to the log and to the outbox's last_error.
func redactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
}

// redactURL is raw with its user info and query replaced by "xxxxx" (and
// its fragment dropped), or a placeholder when it does not parse: the
// scheme, host and path are enough to tell which address failed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(адрес скрыт, address hidden)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "xxxxx", false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// fail records a failed attempt and when to try again, and logs it.
func (l *loop) fail(ctx context.Context, it store.OutboxItem, attempt int, cause error, level slog.Level, answer string) result {
	seq := it.Event.Seq
	id := EventID(it.LogID, seq)
	retry := l.d.backoff(attempt)
	attrs := []any{"endpoint", l.ep.Name, "event", id, "type", string(it.Event.Type), "attempt", attempt, "retry_in", retry.Round(time.Millisecond), "err", cause}
	if answer != "" {
		attrs = append(attrs, "body", answer)
	}
	l.d.log.Log(ctx, level, "webhook: доставка не удалась, будет повтор (delivery failed, will retry)", attrs...)
	why := cause.Error()
	if answer != "" {
		why += ": " + answer
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	if err := l.d.outbox.OutboxFailed(mctx, l.ep.Name, seq, l.d.now().Add(retry), why); err != nil {
		l.d.log.Error("webhook: record a failed delivery", "endpoint", l.ep.Name, "event", id, "attempt", attempt, "err", err)
	}
	return failed
}
