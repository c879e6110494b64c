package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"eq/devices/console"
	"eq/queue"
)

const (
	defaultConsoleServer = "http://127.0.0.1:8080"
	// consoleReplyWait bounds one command's round trip: past it the console
	// gives the keyboard back and the state shows what happened.
	consoleReplyWait   = 15 * time.Second
	consolePasswordEnv = "EQ_PASSWORD"
	// consoleSettle is how long the console waits for more of a burst of
	// changes before printing.
	consoleSettle = 30 * time.Millisecond
)

type consoleOptions struct {
	server   string
	window   int
	login    string // "" asks on stdin
	password string // "" asks on stdin
	log      *slog.Logger
}

func newConsoleCmd(g *globalOptions) *cobra.Command {
	o := &consoleOptions{}
	cmd := &cobra.Command{
		Use:   "console --window N",
		Short: "пульт оператора в терминале (terminal operator console)",
		Long: "Пульт оператора окна: показывает окно и очередь, читает команды по одной в строке.\n" +
			"Пароль берётся из EQ_PASSWORD или читается первой строкой ввода.\n" +
			"The operator console of one window: shows the window and the queue, reads one command a line.\n" +
			"The password comes from EQ_PASSWORD or the first line of input.\n\n" + consoleHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			o.log, o.password = log, os.Getenv(consolePasswordEnv)
			return runConsole(cmd.Context(), o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&o.server, "server", defaultConsoleServer, "адрес сервера очереди (queue server address)")
	cmd.Flags().IntVar(&o.window, "window", 0, "номер окна (window number)")
	cmd.Flags().StringVar(&o.login, "login", "", "логин сотрудника; без него спросит (staff login; asked when empty)")
	cmd.MarkFlagRequired("window")
	return cmd
}

// runConsole signs in, then shows the window whenever it changes and runs
// the commands read from in until q, the end of input or ctx ends. Prompts
// go to errOut, so out holds only what the console says.
func runConsole(ctx context.Context, o *consoleOptions, in io.Reader, out, errOut io.Writer) error {
	lines := bufio.NewScanner(in)
	login, password, err := askSignIn(in, lines, errOut, o.login, o.password)
	if err != nil {
		return err
	}
	log := o.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := console.Dial(ctx, o.server, o.window, login, password, console.WithLogger(log))
	if err != nil {
		return fmt.Errorf("вход не выполнен (sign-in failed): %s", consoleErrorText(err))
	}
	defer c.Close()

	// Reading stdin cannot be interrupted: the reader lives on its own and
	// stops at the next line or the end of input once the console is gone.
	gone := make(chan struct{})
	defer close(gone)
	input := make(chan string)
	go func() {
		defer close(input)
		for lines.Scan() {
			select {
			case input <- lines.Text():
			case <-gone:
				return
			}
		}
	}()

	v := &consoleView{out: out}
	v.show(c.Snapshot(), false)
	fmt.Fprintln(out, "Команды: ? — справка, q — выход (commands: ? for help, q to quit)")
	// The server sends a change as a window message and a queue message:
	// print once the burst is over, not half-way through it.
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-c.Updates():
			if !ok {
				return nil
			}
			settle.Reset(consoleSettle)
		case <-settle.C:
			v.show(c.Snapshot(), false)
		case line, ok := <-input:
			if !ok {
				return nil // end of input
			}
			if quit := consoleExec(ctx, c, v, line); quit {
				return nil
			}
		}
	}
}

// askSignIn completes the login and password staff sign in with: whichever
// is empty is asked, the prompt going to errOut and the answer read as the
// next line of lines, which scans in. At a terminal the password is read
// from in with the typing hidden. The caller may go on reading lines.
func askSignIn(in io.Reader, lines *bufio.Scanner, errOut io.Writer, login, password string) (string, string, error) {
	if login == "" {
		fmt.Fprint(errOut, "Логин (login): ")
		if !lines.Scan() {
			return "", "", errors.New("не введён логин (no login given)")
		}
		login = strings.TrimSpace(lines.Text())
	}
	if password == "" {
		fmt.Fprint(errOut, "Пароль (password): ")
		if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			// At a terminal the typing stays hidden.
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(errOut)
			if err != nil || len(b) == 0 {
				return "", "", errors.New("не введён пароль (no password given)")
			}
			password = string(b)
		} else {
			if !lines.Scan() {
				return "", "", errors.New("не введён пароль (no password given)")
			}
			password = strings.TrimRight(lines.Text(), "\r")
		}
	}
	return login, password, nil
}

// consoleHelp lists the commands; both the help command and --help show it.
const consoleHelp = `Команды (commands):
  n                    вызвать следующего (call next)
  r                    повторный вызов (recall)
  s                    начать приём (start)
  f [РЕЗУЛЬТАТ]        завершить: served, documents_accepted, result_issued, consultation, refused (finish [outcome])
  x                    не явился (no-show)
  p МИН                отложить на МИН минут (postpone MIN minutes)
  w УСЛУГА|ОКНО [return] [ПРИЧИНА…]
                       перенаправить в услугу или окно (число), return — вернуть ко мне (forward to a service or window)
  b ПРИЧИНА…           перерыв (break)
  u                    вернуться с перерыва (resume)
  o                    открыть окно (open the window)
  c                    закрыть окно (close the window)
  call ТАЛОН ПРИЧИНА…  вызвать талон вне очереди: номер (П004) или id (call a ticket out of order: number or id)
  (пустая строка)      показать окно ещё раз (empty line: show the window again)
  ? | h                справка (help)
  q                    выход (quit)`

// consoleExec runs one input line; it reports whether to quit.
func consoleExec(ctx context.Context, c *console.Client, v *consoleView, line string) bool {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		v.show(c.Snapshot(), true)
		return false
	}
	word, args := strings.ToLower(fields[0]), fields[1:]
	rest := strings.Join(args, " ")
	var action queue.Action
	var p console.Params
	usage := func(u string) bool {
		fmt.Fprintf(v.out, "Использование (usage): %s\n", u)
		return false
	}
	switch word {
	case "q", "quit", "exit":
		return true
	case "?", "h", "help":
		fmt.Fprintln(v.out, consoleHelp)
		return false
	case "n":
		action = queue.ActionCallNext
	case "r":
		action = queue.ActionRecall
	case "s":
		action = queue.ActionStart
	case "f":
		action = queue.ActionFinish
		if len(args) > 1 {
			return usage("f [РЕЗУЛЬТАТ] (f [outcome])")
		}
		if len(args) == 1 {
			p.Outcome = queue.Outcome(args[0])
		}
	case "x":
		action = queue.ActionNoShow
	case "p":
		action = queue.ActionPostpone
		n, err := strconv.Atoi(rest)
		if len(args) != 1 || err != nil {
			return usage("p МИН — число минут (p MIN: a number of minutes)")
		}
		p.Minutes = n
	case "w":
		action = queue.ActionForward
		if len(args) == 0 {
			return usage("w УСЛУГА|ОКНО [return] [ПРИЧИНА…] (w SERVICE_ID|WINDOW [return] [reason…])")
		}
		if n, err := strconv.Atoi(args[0]); err == nil {
			p.Window = n
		} else {
			p.ServiceID = args[0]
		}
		more := args[1:]
		if len(more) > 0 && (strings.EqualFold(more[0], "return") || strings.EqualFold(more[0], "возврат")) {
			p.Return, more = true, more[1:]
		}
		p.Reason = strings.Join(more, " ")
	case "b":
		action, p.Reason = queue.ActionBreak, rest
	case "u":
		action = queue.ActionResume
	case "o":
		action = queue.ActionOpen
	case "c":
		action = queue.ActionClose
	case "call":
		action = queue.ActionCall
		if len(args) < 2 {
			return usage("call ТАЛОН ПРИЧИНА… (call TICKET REASON…)")
		}
		id, err := ticketID(ctx, c, args[0])
		if err != nil {
			fmt.Fprintf(v.out, "ОШИБКА: %s\n", consoleErrorText(err))
			return false
		}
		p.TicketID, p.Reason = id, strings.Join(args[1:], " ")
	default:
		fmt.Fprintf(v.out, "Неизвестная команда %q (unknown command)\n%s\n", fields[0], consoleHelp)
		return false
	}
	dctx, cancel := context.WithTimeout(ctx, consoleReplyWait)
	defer cancel()
	r, err := c.Do(dctx, string(action), p)
	if err != nil {
		fmt.Fprintf(v.out, "ОШИБКА: %s\n", consoleErrorText(err))
		return false
	}
	fmt.Fprintln(v.out, "OK")
	for _, w := range r.Warnings {
		fmt.Fprintf(v.out, "  ! %s (%s)\n", w.RU, w.EN)
	}
	return false
}

// ticketID turns what the operator typed into a ticket id: staff see
// numbers (П004) on paper and on the display, ids only in the API.
func ticketID(ctx context.Context, c *console.Client, typed string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, consoleReplyWait)
	defer cancel()
	list, err := c.Tickets(ctx)
	if err != nil {
		return "", err
	}
	// The newest first: a number is unique within a day, and the list is today's.
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].ID == typed || strings.EqualFold(list[i].Number, typed) {
			return list[i].ID, nil
		}
	}
	return "", queue.Errorf(queue.ENOTFOUND, "талон %s не найден среди сегодняшних", "ticket %s is not among today's", typed)
}

// consoleErrorText is an error as staff read it: the server's message in
// Russian, then in English; the client's own errors say both already.
func consoleErrorText(err error) string {
	var qe *queue.Error
	if errors.As(err, &qe) {
		if qe.MessageEN == "" || qe.MessageEN == qe.Message {
			return qe.Message
		}
		return fmt.Sprintf("%s (%s)", qe.Message, qe.MessageEN)
	}
	for _, known := range []error{console.ErrOffline, console.ErrLost, console.ErrClosed, context.DeadlineExceeded} {
		if errors.Is(err, known) {
			if known == context.DeadlineExceeded {
				return "нет ответа сервера (no reply from the server)"
			}
			return known.Error()
		}
	}
	return err.Error()
}

// consoleView prints the window when what it shows changes, and says when
// the connection drops and returns.
type consoleView struct {
	out     io.Writer
	last    string // the state last printed
	offline bool   // "offline" said and not yet taken back
	conns   int    // the connection the last print came from; 0 before the first
}

// show prints the snapshot if it differs from the last print, or always
// when force is set.
func (v *consoleView) show(s console.Snapshot, force bool) {
	if !s.Online {
		if !v.offline {
			fmt.Fprintln(v.out, "нет связи (offline), переподключение…")
			v.offline = true
		}
		return
	}
	if v.conns != 0 && s.Conns != v.conns {
		// Back on a new connection; the drop may have come and gone between
		// two looks, so say both.
		if !v.offline {
			fmt.Fprintln(v.out, "нет связи (offline), переподключение…")
		}
		fmt.Fprintln(v.out, "связь восстановлена (online)")
		v.offline, force = false, true
	}
	v.conns = s.Conns
	text := renderConsole(s.State)
	if text == v.last && !force {
		return
	}
	v.last = text
	fmt.Fprint(v.out, text)
}

// statusText names ticket statuses for staff.
var statusText = map[queue.Status]string{
	queue.StatusWaiting:   "ожидает (waiting)",
	queue.StatusCalled:    "вызван (called)",
	queue.StatusServing:   "на приёме (serving)",
	queue.StatusPostponed: "отложен (postponed)",
	queue.StatusDone:      "обслужен (done)",
	queue.StatusNoShow:    "не явился (no show)",
	queue.StatusCancelled: "отменён (cancelled)",
	queue.StatusNotServed: "не обслужен (not served)",
}

// renderConsole is the window as the console prints it. It is a pure
// function of the state, so equal states print equally and only changes show.
func renderConsole(st console.State) string {
	var b strings.Builder
	w := st.Window
	if w == nil {
		return "Окно не найдено в состоянии сервера (the window is missing from the server's state)\n"
	}
	names := map[string]console.ServiceInfo{}
	for _, s := range st.Services {
		names[s.ID] = s
	}
	service := func(id string) string {
		if s, ok := names[id]; ok {
			return s.Name.RU
		}
		return id
	}

	fmt.Fprintf(&b, "── Окно %d (window %d): ", w.Number, w.Number)
	switch {
	case !w.Open:
		b.WriteString("закрыто (closed)")
	case w.OnBreak:
		b.WriteString("перерыв (on break)")
	default:
		b.WriteString("открыто (open)")
	}
	if w.Operator != "" {
		fmt.Fprintf(&b, " · %s (%s)", w.OperatorName, w.Operator)
	}
	b.WriteString(" ──\n")
	if !st.Queue.DayOpen {
		b.WriteString("Рабочий день не открыт (the working day is not open)\n")
	}
	if w.OnBreak {
		fmt.Fprintf(&b, "Перерыв с %s (break since): %s\n", w.BreakStarted.Local().Format("15:04"), w.BreakReason)
	}

	if t := w.Current; t != nil {
		fmt.Fprintf(&b, "Талон (ticket): %s · %s · %s\n", t.Number, statusOr(t.Status), service(t.ServiceID))
		if n := len(t.History); n > 0 && t.History[n-1].CallReason != "" {
			fmt.Fprintf(&b, "  Причина вызова (call reason): %s\n", t.History[n-1].CallReason)
		}
		if n := len(t.History); n > 0 && t.History[n-1].Recalls > 0 {
			fmt.Fprintf(&b, "  Повторных вызовов (recalls): %d\n", t.History[n-1].Recalls)
		}
	} else {
		b.WriteString("Талона нет (no ticket)\n")
	}

	if w.Ratio > 0 {
		fmt.Fprintf(&b, "Правило очерёдности (ratio rule) %d:1: ", w.Ratio)
		if w.PrivilegedNext {
			b.WriteString("льготные — первыми (privileged visitors first)\n")
		} else {
			fmt.Fprintf(&b, "других вызвано (others called) %d из %d\n", w.OthersCalled, w.Ratio)
		}
	}
	if w.AutoCall {
		fmt.Fprintf(&b, "Автовызов (auto-call): через %d с после ухода посетителя (s after a visitor leaves)", w.AutoCallPauseS)
		if !w.AutoCallAt.IsZero() {
			fmt.Fprintf(&b, " · в (at) %s", w.AutoCallAt.Local().Format("15:04:05"))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Очередь (queue): можно вызвать (callable here) %d\n", w.Waiting)
	byID := map[string]queue.ServiceView{}
	for _, s := range st.Queue.Services {
		byID[s.ID] = s
	}
	for _, ws := range w.Services {
		s, ok := byID[ws.Service]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "  %s %s: ждут (waiting) %d", s.Prefix, service(s.ID), s.Waiting)
		if s.Waiting > 0 {
			fmt.Fprintf(&b, ", дольше всех (longest) %d мин", s.LongestWaitS/60)
		}
		switch {
		case s.Waiting > 0 && s.LongestWaitS > s.TargetWaitS:
			b.WriteString(" — ПРЕВЫШЕН СРОК (over target)")
		case s.OverTarget:
			// Nobody has waited too long yet, but at this pace someone will.
			fmt.Fprintf(&b, " — прогноз %d мин, выше срока (predicted over target)", s.PredictedWaitS/60)
		}
		b.WriteString("\n")
	}
	if w.Operator != "" {
		fmt.Fprintf(&b, "Обслужено сегодня (served today): %d · среднее время (mean service): %d:%02d · перерыв осталось (break left): %d мин\n",
			w.ServedToday, w.MeanServiceS/60, w.MeanServiceS%60, w.BreakLeftS/60)
	}
	for _, warn := range w.Warnings {
		fmt.Fprintf(&b, "  ! %s (%s)\n", warn.RU, warn.EN)
	}
	return b.String()
}

func statusOr(s queue.Status) string {
	if t, ok := statusText[s]; ok {
		return t
	}
	return string(s)
}
