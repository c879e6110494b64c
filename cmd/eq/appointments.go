package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"eq/queue"
	"eq/queue/store"
)

// apiTimeout bounds one request to the server; an import of a month's
// bookings is answered well within it.
const apiTimeout = time.Minute

// maxErrorAnswer bounds how much of a refusal is read: a proxy's error page
// may be large, the API's answer never is.
const maxErrorAnswer = 1 << 20

// apptTimeLayout is how appointment times are printed, in the office's zone.
const apptTimeLayout = "2006-01-02 15:04"

// staffOptions say which server to talk to and who signs in there.
type staffOptions struct {
	server   string
	login    string // "" asks on stdin
	password string // "" asks on stdin
}

type importOptions struct {
	staffOptions
	file string
}

type listOptions struct {
	staffOptions
	date string // "" lets the server take today
}

type purgeOptions struct {
	db, config string
	before     string // YYYY-MM-DD; "" is today minus the config's retention
}

func newAppointmentsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "appointments",
		Short: "предварительная запись: загрузка, список, удаление персональных данных (appointments: import, list, purge personal data)",
	}
	cmd.AddCommand(newApptImportCmd(), newApptListCmd(), newApptPurgeCmd())
	return cmd
}

// staffFlags adds the flags of commands that sign in to the server.
func staffFlags(cmd *cobra.Command, o *staffOptions) {
	cmd.Flags().StringVar(&o.server, "server", defaultConsoleServer, "адрес сервера очереди (queue server address)")
	cmd.Flags().StringVar(&o.login, "login", "", "логин сотрудника; без него спросит (staff login; asked when empty)")
}

func newApptImportCmd() *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "загрузить записи из CSV-файла (import appointments from a CSV file)",
		Long: "Загружает на сервер записи, сделанные в другой системе (АИС МФЦ, Госуслуги): все или ни одной.\n" +
			"Если хоть одна строка неверна, не загружается ничего, и каждая неверная строка названа.\n" +
			"Входит сотрудник с ролью manager или admin; пароль берётся из EQ_PASSWORD или читается первой строкой ввода.\n\n" +
			"Файл — CSV в кодировке UTF-8 (в Excel: «CSV UTF-8»), разделитель — запятая или точка с запятой.\n" +
			"Первая строка — заголовок с названиями столбцов, порядок любой:\n" +
			"  service_id   код услуги из конфигурации, обязательно\n" +
			"  start        начало слота: «2026-11-24 10:30» по времени офиса или RFC 3339, обязательно\n" +
			"  name         имя посетителя\n" +
			"  phone        телефон, например +7 912 345-67-89\n" +
			"  code         код записи из 6 цифр; без него сервер выдаст свой\n" +
			"  external_id  номер записи во внешней системе: повторно та же запись не загрузится\n\n" +
			"Imports appointments booked in another system (the centre's information system, the state portal):\n" +
			"all or none. If any row is wrong nothing is imported, and every wrong row is named.\n" +
			"Signs in as staff with the manager or admin role; the password comes from EQ_PASSWORD or the first line of input.\n\n" +
			"The file is UTF-8 CSV (Excel: \"CSV UTF-8\"), separated by commas or semicolons. The first row is a\n" +
			"header naming the columns, in any order:\n" +
			"  service_id   the service's id in the config, required\n" +
			"  start        the slot's start: \"2026-11-24 10:30\" in the office's time or RFC 3339, required\n" +
			"  name         the visitor's name\n" +
			"  phone        the phone, e.g. +7 912 345-67-89\n" +
			"  code         a 6-digit booking code; without it the server draws one\n" +
			"  external_id  the booking's id in the other system: the same booking is not imported twice\n\n" +
			"Пример файла (example file):\n" +
			"  service_id,start,name,phone,code,external_id\n" +
			"  passport,2026-11-24 10:30,Иванов Иван Иванович,+7 912 345-67-89,,AIS-1001\n" +
			"  passport,2026-11-24T10:45:00+03:00,,,482913,AIS-1002",
		Example: "  EQ_PASSWORD=… eq appointments import bookings.csv --login manager",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file, o.password = args[0], os.Getenv(consolePasswordEnv)
			return runImport(cmd.Context(), o, cmdIO(cmd))
		},
	}
	staffFlags(cmd, &o.staffOptions)
	return cmd
}

func newApptListCmd() *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list [--date YYYY-MM-DD]",
		Short: "записи на день (a day's appointments)",
		Long: "Показывает записи на день, по умолчанию на сегодня; имена и телефоны скрыты.\n" +
			"Пароль берётся из EQ_PASSWORD или читается первой строкой ввода.\n" +
			"Lists a day's appointments, today's by default; names and phones are masked.\n" +
			"The password comes from EQ_PASSWORD or the first line of input.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.password = os.Getenv(consolePasswordEnv)
			return runList(cmd.Context(), o, cmdIO(cmd))
		},
	}
	staffFlags(cmd, &o.staffOptions)
	cmd.Flags().StringVar(&o.date, "date", "", "дата ГГГГ-ММ-ДД; по умолчанию сегодня (date YYYY-MM-DD; default today)")
	return cmd
}

func newApptPurgeCmd() *cobra.Command {
	o := &purgeOptions{}
	cmd := &cobra.Command{
		Use:   "purge [--before YYYY-MM-DD]",
		Short: "удалить имена и телефоны старых записей (delete names and phones of past appointments)",
		Long: "Удаляет имена и телефоны записей на даты раньше --before; сами записи остаются для отчётов.\n" +
			"По умолчанию --before — сегодня минус appointments.retention_days из конфигурации.\n" +
			"Работает прямо с файлом базы данных, в том числе пока сервер запущен.\n" +
			"Deletes the names and phones of appointments dated before --before; the bookings stay for reports.\n" +
			"By default --before is today minus the config's appointments.retention_days.\n" +
			"Works on the database file itself, also while the server runs.",
		Example: "  eq appointments purge --db eq-data/eq.db --config office.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPurge(cmd.Context(), o, time.Now(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.db, "db", defaultDB, "файл базы данных SQLite (SQLite database file)")
	cmd.Flags().StringVar(&o.config, "config", "", "файл конфигурации офиса (office config YAML; default: the embedded demo)")
	cmd.Flags().StringVar(&o.before, "before", "", "удалить у записей до этой даты ГГГГ-ММ-ДД (purge appointments dated before YYYY-MM-DD)")
	return cmd
}

// runImport uploads the file and prints what was imported. The file is
// read before anything is asked or sent: a wrong name costs no sign-in.
func runImport(ctx context.Context, o *importOptions, s stdio) error {
	data, err := os.ReadFile(o.file)
	if err != nil {
		return fmt.Errorf("файл %s не прочитан (cannot read the file): %w", o.file, err)
	}
	c, err := o.signIn(ctx, s)
	if err != nil {
		return err
	}
	var res struct {
		Imported     int                     `json:"imported"`
		Appointments []queue.AppointmentView `json:"appointments"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/appointments/import", "text/csv; charset=utf-8", bytes.NewReader(data), http.StatusCreated, &res)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	fmt.Fprintf(s.out, "Загружено записей (appointments imported): %d\n", res.Imported)
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Код (code)\tДата и время (date, time)\tУслуга (service)\tВнешний номер (external id)")
	for _, a := range res.Appointments {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Code, a.Start.Format(apptTimeLayout), a.ServiceID, orDash(a.External))
	}
	return tw.Flush()
}

// runList prints a day's appointments as the server lists them to staff.
func runList(ctx context.Context, o *listOptions, s stdio) error {
	c, err := o.signIn(ctx, s)
	if err != nil {
		return err
	}
	path := "/api/v1/appointments"
	if o.date != "" {
		path += "?" + url.Values{"date": {o.date}}.Encode()
	}
	var res struct {
		Date         string                  `json:"date"`
		Appointments []queue.AppointmentView `json:"appointments"`
	}
	if err := c.do(ctx, http.MethodGet, path, "", nil, http.StatusOK, &res); err != nil {
		return err
	}
	if len(res.Appointments) == 0 {
		_, err := fmt.Fprintf(s.out, "Записей на %s нет (no appointments on %s)\n", res.Date, res.Date)
		return err
	}
	fmt.Fprintf(s.out, "Записи на %s (appointments on %s): %d\n", res.Date, res.Date, len(res.Appointments))
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Время (time)\tКод (code)\tУслуга (service)\tСтатус (status)\tТалон (ticket)\tИмя (name)\tТелефон (phone)")
	for _, a := range res.Appointments {
		service := a.Service.RU
		if service == "" {
			service = a.ServiceID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Start.Format("15:04"), a.Code, service, apptStatus(a.Status),
			orDash(a.Number), orDash(a.Name), orDash(a.Phone))
	}
	return tw.Flush()
}

// runPurge deletes the contacts of appointments dated before the cutoff,
// straight in the database: the store's WAL and busy timeout let it do so
// beside a running server.
func runPurge(ctx context.Context, o *purgeOptions, now time.Time, out io.Writer) error {
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	before := o.before
	if before == "" {
		before = cfg.PurgeBefore(now)
	} else if _, err := time.Parse(time.DateOnly, before); err != nil {
		return fmt.Errorf("--before %q: нужна дата ГГГГ-ММ-ДД (a YYYY-MM-DD date is needed)", before)
	}
	// store.Open would make an empty database where none is: a mistyped
	// path must not look like a purge that found nothing.
	if _, err := os.Stat(o.db); err != nil {
		return fmt.Errorf("база данных %s не открыта (cannot open the database): %w", o.db, err)
	}
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.PurgeContacts(ctx, before)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "Удалены имена и телефоны записей до %s: %d (names and phones removed from bookings dated before %s: %d)\n",
		before, n, before, n)
	return err
}

// apptStatusText names appointment statuses for staff.
var apptStatusText = map[queue.AppointmentStatus]string{
	queue.AppointmentBooked:    "записан (booked)",
	queue.AppointmentCheckedIn: "пришёл (checked in)",
	queue.AppointmentCancelled: "отменена (cancelled)",
	queue.AppointmentMissed:    "не пришёл (missed)",
}

func apptStatus(s queue.AppointmentStatus) string {
	if t, ok := apptStatusText[s]; ok {
		return t
	}
	return string(s)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// staffClient calls the server's API as a signed-in member of staff: the
// session cookie lives in its jar.
type staffClient struct {
	base string // the server's address, no trailing slash
	http *http.Client
}

// signIn asks what is missing of the login and password, as eq console
// does, and signs in to the server.
func (o *staffOptions) signIn(ctx context.Context, s stdio) (*staffClient, error) {
	u, err := url.Parse(o.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: нужен http://хост:порт (http://host:port expected)", o.server)
	}
	login, password, err := askSignIn(s.in, bufio.NewScanner(s.in), s.errOut, o.login, o.password)
	if err != nil {
		return nil, err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cookie jar: %w", err)
	}
	c := &staffClient{base: strings.TrimSuffix(u.String(), "/"), http: &http.Client{Jar: jar, Timeout: apiTimeout}}
	body, err := json.Marshal(map[string]string{"login": login, "password": password})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/login", "application/json", bytes.NewReader(body), http.StatusOK, nil); err != nil {
		return nil, fmt.Errorf("вход не выполнен (sign-in failed): %w", err)
	}
	return c, nil
}

// do sends a request and decodes the answer into out (when not nil) if
// its status is want; any other answer is returned as an *apiError.
func (c *staffClient) do(ctx context.Context, method, path, contentType string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("нет связи с сервером %s (cannot reach the server): %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return responseError(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: ответ сервера не прочитан (cannot read the server's answer): %w", method, path, err)
	}
	return nil
}

// apiError is the server's refusal: its messages and, for an import, the
// rows that were wrong.
type apiError struct {
	Err  queue.Error
	Rows []queue.RowError
}

// Error is the message in Russian and English, then each bad row, one a line.
func (e *apiError) Error() string {
	var b strings.Builder
	b.WriteString(consoleErrorText(&e.Err))
	for _, r := range e.Rows {
		fmt.Fprintf(&b, "\nстрока %d: %s (%s)", r.Row, r.RU, r.EN)
	}
	return b.String()
}

func (e *apiError) Unwrap() error { return &e.Err }

// responseError reads the API's error JSON from a failed answer; an answer
// that is not the API's (a proxy's page) is named by its status.
func responseError(resp *http.Response) error {
	var body struct {
		Error struct {
			Code      queue.Code       `json:"code"`
			Message   string           `json:"message"`
			MessageEN string           `json:"message_en"`
			Rows      []queue.RowError `json:"rows"`
		} `json:"error"`
	}
	e := &apiError{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorAnswer)).Decode(&body); err != nil || body.Error.Message == "" {
		e.Err = *queue.Errorf(queue.EINTERNAL, "сервер ответил HTTP %d", "the server answered HTTP %d", resp.StatusCode)
		return e
	}
	e.Err = queue.Error{Code: body.Error.Code, Message: body.Error.Message, MessageEN: body.Error.MessageEN}
	e.Rows = body.Error.Rows
	return e
}
