package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"eq/configs"
	"eq/devices/console"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

// The API reads bodies from kiosks, consoles, phones and whatever else is
// on the LAN. These targets send arbitrary bodies and console messages to a
// running office and check that every refusal is the contract's error and
// writes nothing. The seed corpus in testdata/fuzz runs with every
// `go test`; `make fuzz` (scripts/fuzz.sh) searches further.
//
// One office serves all the inputs of a fuzzing process: starting one per
// input would leave the fuzzer a few inputs a second. Inputs that succeed
// change it (a ticket issued, a window opened), so an input may meet any
// state; the properties hold in every state.

// fuzzStack starts the demo office on the tests' clock at day0 for the
// whole fuzz target. A fuzzing worker may sit idle for as long as Go takes
// to shrink another worker's input; a ping period of an hour keeps its
// console from being taken for dead meanwhile.
func fuzzStack(f *testing.F) *stack {
	f.Helper()
	clk := &clock{now: day0}
	o := officetest.Start(f, officetest.WithClock(clk), officetest.WithServerOptions(func(o *server.Options) {
		o.Accounts, o.PingPeriod = fastHashes(o.Accounts), time.Hour
	}))
	return &stack{Office: o, clock: clk}
}

// fuzzSignIn is a client of login's session, signed in with the demo password.
func fuzzSignIn(f *testing.F, s *stack, login string) *client {
	f.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	c := &client{s: s, hc: &http.Client{Jar: jar, Transport: s.HTTP.Client().Transport}}
	resp, err := c.hc.Post(s.URL()+"/api/v1/login", "application/json", strings.NewReader(`{"login":"`+login+`","password":"demo"}`))
	if err != nil {
		f.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.Fatalf("sign in as %s: status %d", login, resp.StatusCode)
	}
	return c
}

// bodyRoute is an endpoint that reads a request body, and who calls it.
type bodyRoute struct {
	method, path, who string
}

// bodyRoutes are every endpoint with a body, each called by someone it
// serves, so that the body is read rather than the caller refused. The
// fuzzer picks one by index: seeds name routes by their place here.
func bodyRoutes() []bodyRoute {
	r := []bodyRoute{
		{http.MethodPost, "/api/v1/tickets", "kiosk"},
		{http.MethodPost, "/api/v1/checkin", "kiosk"},
		{http.MethodPost, "/api/v1/login", "anon"},
		{http.MethodPost, "/api/v1/appointments", "manager"},
		{http.MethodPost, "/api/v1/appointments/import", "manager"},
		{http.MethodPut, "/api/v1/windows/1/services", "manager"},
		{http.MethodPost, "/api/v1/day/open", "manager"},
	}
	for _, a := range queue.Actions {
		r = append(r, bodyRoute{http.MethodPost, "/api/v1/windows/1/" + string(a), "op1"})
	}
	return r
}

// apiError is the contract's error body, read loosely: details and rows
// may come with it.
type apiError struct {
	Error *struct {
		Code      queue.Code `json:"code"`
		Message   string     `json:"message"`
		MessageEN string     `json:"message_en"`
	} `json:"error"`
}

// statusOfCode is the contract's table of error codes and statuses.
var statusOfCode = map[queue.Code]int{
	queue.EINVALID: http.StatusBadRequest, queue.ENOTFOUND: http.StatusNotFound, queue.ECONFLICT: http.StatusConflict,
	queue.EUNAUTHORIZED: http.StatusUnauthorized, queue.EFORBIDDEN: http.StatusForbidden, "too_many_requests": http.StatusTooManyRequests,
}

// checkAPIError says what is wrong with a refusal, or "": it must be JSON
// {"error":{code, message, message_en}} alone, with the code's status and
// a Russian message.
func checkAPIError(r reply) string {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return "Content-Type " + ct
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &top); err != nil || len(top) != 1 || top["error"] == nil {
		return "the body is not {\"error\":{...}}"
	}
	var e apiError
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error == nil {
		return fmt.Sprintf("the error does not decode: %v", err)
	}
	if want, ok := statusOfCode[e.Error.Code]; !ok || want != r.Status {
		return fmt.Sprintf("code %q with status %d", e.Error.Code, r.Status)
	}
	if !cyrillic(e.Error.Message) || strings.TrimSpace(e.Error.MessageEN) == "" {
		return fmt.Sprintf("messages %q / %q: want Russian and English", e.Error.Message, e.Error.MessageEN)
	}
	return ""
}

// FuzzAPIBody sends arbitrary bodies to every endpoint that reads one and
// checks that the answer is never a 5xx or a dropped connection, that a
// refusal is the contract's error JSON, and that a refusal writes nothing.
func FuzzAPIBody(f *testing.F) {
	routes := bodyRoutes()
	route := func(path string) uint8 {
		for i, r := range routes {
			if r.path == path {
				return uint8(i)
			}
		}
		panic("no route " + path)
	}
	nasty := []string{"", "{", "}", "[]", "null", "0", `""`, "{}{}", "{} x", `{"x":1}`, "\ufeff{}", "\xff\xfe{}",
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000), `{"service_id":1e999}`, `{"service_id":"` + strings.Repeat("я", 40000) + `"}`}
	for i := range routes {
		for _, b := range nasty {
			f.Add(uint8(i), []byte(b))
		}
	}
	valid := map[string][]string{
		"/api/v1/tickets":             {`{"service_id":"passport"}`, `{"service_id":"pick-up","priority":"privileged"}`, `{"service_id":"passport","priority":"appointment"}`, `{"service_id":"nope"}`, `{"service_id":"passport","priority":7}`},
		"/api/v1/checkin":             {`{"code":"123456"}`, `{"code":" 123456 "}`, `{"code":"１２３４５６"}`, `{"code":123456}`},
		"/api/v1/login":               {`{"login":"op2","password":"demo"}`, `{"login":"op2","password":"wrong"}`, `{"login":"","password":""}`},
		"/api/v1/appointments":        {`{"service_id":"passport","start":"2026-11-24T10:00:00+03:00","name":"Иванов Иван","phone":"8 (912) 345-67-89"}`, `{"service_id":"passport","start":"2026-11-24"}`, `{"service_id":"passport","start":"9999-12-31T23:59:59+14:00"}`},
		"/api/v1/appointments/import": {"service_id,start,name,phone,code,external_id\npassport,2026-11-24 10:30,Петров Пётр,+7 912 000-11-22,,EPGU-1\n", "\ufeffservice_id;start\r\nforeign-passport;2026-11-25 09:00\r\n", "service_id,start\npassport,\"2026-11-24 11:00\n"},
		"/api/v1/windows/1/services":  {`{"services":[{"service_id":"passport","level":1},{"service_id":"residence","level":2}]}`, `{"services":[]}`, `{"services":[{"service_id":"passport","level":-1}]}`},
		"/api/v1/day/open":            {`{}`, `{"date":"2026-11-23"}`, `{"date":"2026-02-30"}`},
		"/api/v1/windows/1/open":      {`{}`, `{"operator":"op2"}`},
		"/api/v1/windows/1/call":      {`{"ticket_id":"1","reason":"по просьбе руководителя"}`},
		"/api/v1/windows/1/finish":    {`{"outcome":"done"}`},
		"/api/v1/windows/1/postpone":  {`{"minutes":5}`, `{"minutes":-5}`, `{"minutes":9223372036854775807}`},
		"/api/v1/windows/1/forward":   {`{"service_id":"residence","return":true}`, `{"window":2}`, `{"operator":"op2"}`},
		"/api/v1/windows/1/break":     {`{"reason":"обед","minutes":30}`, `{"override":true}`},
		"/api/v1/windows/1/call-next": {``},
		"/api/v1/windows/1/no-show":   {`{}`},
		"/api/v1/windows/1/start":     {`{}`},
		"/api/v1/windows/1/resume":    {`{}`},
		"/api/v1/windows/1/recall":    {`{}`},
		"/api/v1/windows/1/close":     {`{}`},
	}
	for path, bodies := range valid {
		for _, b := range bodies {
			f.Add(route(path), []byte(b))
		}
	}

	s := fuzzStack(f)
	clients := map[string]*client{"anon": s.anon(), "kiosk": s.kiosk(),
		"op1": fuzzSignIn(f, s, "op1"), "manager": fuzzSignIn(f, s, "manager")}
	f.Fuzz(func(t *testing.T, n uint8, body []byte) {
		rt := routes[int(n)%len(routes)]
		seq := s.lastSeq(t)
		// A handler that panics makes net/http drop the connection: do
		// fails the input with the transport's error.
		r := clients[rt.who].do(t, rt.method, rt.path, string(body))
		if r.Status >= 500 {
			t.Fatalf("%s %s as %s: status %d for %q: %s", rt.method, rt.path, rt.who, r.Status, body, r.Body)
		}
		if r.Status < 400 {
			if !json.Valid(r.Body) {
				t.Fatalf("%s %s as %s: status %d with a body that is not JSON: %q", rt.method, rt.path, rt.who, r.Status, r.Body)
			}
			return
		}
		if msg := checkAPIError(r); msg != "" {
			t.Errorf("%s %s as %s: refusal %d for %q: %s\n%s", rt.method, rt.path, rt.who, r.Status, body, msg, r.Body)
		}
		if got := s.lastSeq(t); got != seq {
			t.Errorf("%s %s as %s: refused with %d, yet the log moved from %d to %d", rt.method, rt.path, rt.who, r.Status, seq, got)
		}
	})
}

// wsConsole is op1's console of window 1, spoken to over a real WebSocket.
type wsConsole struct {
	conn *websocket.Conn
	n    int // sentinels sent
}

// maxConsoleMessage is the server's read limit for console messages: a
// longer one closes the connection, which is the limit working, not a
// message answered.
const maxConsoleMessage = server.MaxMessageSize

// exchange sends data, then a sentinel command of an action that does not
// exist, and returns what came between: the answers to data and any pushed
// updates. The hub answers a connection's messages in order, so the
// sentinel's refusal comes after everything data caused.
func (c *wsConsole) exchange(t *testing.T, data []byte) []msg {
	t.Helper()
	c.n++
	id := fmt.Sprintf("sentinel-%d-%d", time.Now().UnixNano(), c.n)
	c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatalf("write %q: %v", data, err)
	}
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","id":"`+id+`","action":"no-such-action"}`)); err != nil {
		t.Fatalf("write the sentinel after %q: %v", data, err)
	}
	var got []msg
	for {
		// Not a speed limit: a generous bound so that a lost answer fails
		// the input instead of hanging the fuzzer.
		c.conn.SetReadDeadline(time.Now().Add(time.Minute))
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			t.Fatalf("after %q the console connection failed: %v", data, err)
		}
		var m msg
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("after %q the server sent %q, which is not JSON: %v", data, b, err)
		}
		if m.Type == console.TypeReply && m.ID == id {
			if m.OK || m.Error == nil || m.Error.Code != queue.ENOTFOUND {
				t.Fatalf("the sentinel after %q got %s", data, b)
			}
			return got
		}
		got = append(got, m)
	}
}

// FuzzConsoleMessage sends arbitrary messages over op1's console WebSocket
// and checks that each gets its answer (a reply, an error or the state) on
// a connection that stays up, and that a refusal writes nothing.
func FuzzConsoleMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"command","id":"1","action":"open"}`,
		`{"type":"command","id":"2","action":"call-next"}`,
		`{"type":"command","id":"3","action":"postpone","minutes":5}`,
		`{"type":"command","id":"4","action":"forward","service_id":"residence","return":true}`,
		`{"type":"command","id":"5","action":"break","reason":"обед","minutes":30}`,
		`{"type":"command","id":"6","action":"open","at_window":2}`,
		`{"type":"command","id":"7","action":"finish","outcome":"done","extra":1}`,
		`{"type":"command","id":"8","action":"call","ticket_id":1}`,
		`{"type":"resync"}`, `{"type":"RESYNC"}`, `{"Type":"resync","type":"command"}`,
		`{"type":"state"}`, `{"type":""}`, `{"id":"9"}`, `null`, `[]`, `"command"`, `{`, ``, "\xff",
		`{"type":"command","id":"` + strings.Repeat("я", 3000) + `"}`,
		strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000),
	} {
		f.Add([]byte(s))
	}
	s := fuzzStack(f)
	cookie := sessionCookieFor(f, s.URL(), "op1")
	conn, resp, err := websocket.DefaultDialer.Dial(consoleURL(s.URL(), "?window=1"), http.Header{"Cookie": {server.SessionCookie + "=" + cookie}})
	if err != nil {
		f.Fatalf("dial the console: %v (%v)", err, resp)
	}
	f.Cleanup(func() { conn.Close() })
	// The first state the server sends comes with the first input's
	// answers, among the messages exchange skips.
	c := &wsConsole{conn: conn}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxConsoleMessage-100 {
			t.Skip("longer than a console message may be")
		}
		seq := s.lastSeq(t)
		got := c.exchange(t, data)
		var env console.Envelope
		want := console.TypeError
		if err := json.Unmarshal(data, &env); err != nil {
			// An unreadable message is answered without an id, even one
			// read before the error.
			env = console.Envelope{}
		} else {
			switch env.Type {
			case console.TypeCommand:
				want = console.TypeReply
			case console.TypeResync:
				want = console.TypeState
			}
		}
		var answer *msg
		for i := range got {
			if m := &got[i]; m.Type == want && (want == console.TypeState || m.ID == env.ID) {
				answer = m
			}
		}
		if answer == nil {
			t.Fatalf("%q got no %s, only %+v", data, want, got)
		}
		if answer.Type == console.TypeState || answer.OK {
			return
		}
		if e := answer.Error; e == nil || statusOfCode[e.Code] == 0 || !cyrillic(e.Message) || strings.TrimSpace(e.MessageEN) == "" {
			t.Errorf("%q was refused with %+v: want a code and Russian and English messages", data, answer.Error)
		}
		if got := s.lastSeq(t); got != seq {
			t.Errorf("%q was refused, yet the log moved from %d to %d", data, seq, got)
		}
	})
}

// FuzzParseImport reads arbitrary files as an appointment import and
// hands what it reads to the domain, as the server does.
func FuzzParseImport(f *testing.F) {
	for _, s := range []string{
		"service_id,start,name,phone,code,external_id\npassport,2026-11-24 10:00,Петров Пётр,+7 912 000-11-22,,EPGU-1\npassport,2026-11-24T10:00:00+03:00,,,,EPGU-2\nbirth,2026-11-24 11:30,,,424242,AIS-77\n",
		"\ufeffservice_id;start;external_id\r\nforeign-passport;2026-11-25 09:00;EPGU-3\r\n",
		"service_id,start\npassport,\"2026-11-24\n10:00\"\n\n  \npassport,26.11.2026 10:00\n",
		"SERVICE_ID , Start\npassport , 2026-11-24 10:00 \n",
		"service_id,start,start\n", "service_id,name\npassport,x\n", "", "\ufeff", "service_id,start\n",
		"service_id,start\npassport,2026-11-24 10:00,extra,fields\nshort\n",
		"service_id,start,name\npassport,2026-11-24 10:00,\xcf\xe5\xf2\xf0\xee\xe2\n",
		"service_id,start\npassport,0001-01-01T00:00:00Z\npassport,9999-12-31 23:59\n",
	} {
		f.Add([]byte(s))
	}
	cfg := configs.Demo()
	st, err := queue.NewState(cfg.Office)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkImport(t, st, data) })
}

// checkImport parses data as an import file for the office of st and
// checks what ParseImport promises and what the domain makes of the rows.
func checkImport(t *testing.T, st *queue.State, data []byte) {
	rows, err := server.ParseImport(data, st.Office().Location)
	if err != nil {
		if queue.ErrorCode(err) != queue.EINVALID {
			t.Fatalf("ParseImport: %v, want %s", err, queue.EINVALID)
		}
		if ru, en := queue.ErrorMessages(err); !cyrillic(ru) || en == "" {
			t.Errorf("ParseImport: %q / %q, want Russian and English", ru, en)
		}
		return
	}
	lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
	invalid := map[int]bool{}
	for i, r := range rows {
		if r.Row < 2 || r.Row > lines || (i > 0 && r.Row <= rows[i-1].Row) {
			t.Fatalf("row %d is numbered %d: want rows after the header, in order, within the %d lines", i, r.Row, lines)
		}
		if r.Invalid != nil {
			if !cyrillic(r.Invalid.RU) || r.Invalid.EN == "" {
				t.Errorf("row %d: %q / %q, want Russian and English", r.Row, r.Invalid.RU, r.Invalid.EN)
			}
			invalid[r.Row] = true
			continue
		}
		for _, v := range []string{r.Service, r.Name, r.Phone, r.Code, r.External} {
			if v != strings.TrimSpace(v) || !utf8.ValidString(v) {
				t.Errorf("row %d: field %q is not trimmed UTF-8", r.Row, v)
			}
		}
	}
	// What the domain makes of the rows: all or none, every bad row
	// named by the number ParseImport gave it.
	for i := range rows {
		if rows[i].Code == "" {
			rows[i].Code = fmt.Sprintf("%06d", 100000+i)
		}
	}
	d, err := st.Import(day0, rows)
	var ie *queue.ImportError
	switch {
	case err == nil:
		if len(d.Events) != len(rows) || len(invalid) > 0 {
			t.Fatalf("Import took %d events from %d rows, %d of them unreadable", len(d.Events), len(rows), len(invalid))
		}
	case errors.As(err, &ie):
		named := map[int]bool{}
		for _, r := range ie.Rows {
			named[r.Row] = true
		}
		for row := range invalid {
			if !named[row] {
				t.Errorf("unreadable row %d is not among the import's errors", row)
			}
		}
	case queue.ErrorCode(err) != queue.EINVALID:
		t.Fatalf("Import: %v", err)
	}
}
