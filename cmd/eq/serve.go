package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"

	"eq/configs"
	"eq/display/feed"
	"eq/kiosk"
	"eq/queue"
	"eq/queue/store"
	"eq/reports"
	"eq/server"
	"eq/webhook"
)

// Serving defaults, as DESIGN.md fixes them.
const (
	defaultDB   = "eq-data/eq.db"
	defaultAddr = "127.0.0.1:8080"
	// rollEvery is how often the server checks whether a new working day began.
	rollEvery = 30 * time.Second
	// shutdownGrace is how long requests in flight get to finish on shutdown.
	shutdownGrace = 10 * time.Second
	demoPassword  = "demo"
)

type serveOptions struct {
	config string
	db     string
	addr   string
	// ignoreHours serves as if the office never closed: for showing the
	// demo or checking a setup outside working hours, never for a real day.
	ignoreHours bool
	// tlsCert and tlsKey are PEM files; with both the server speaks HTTPS
	// (and WSS) on addr instead of HTTP.
	tlsCert, tlsKey string
	// onListen, when set, hears the address actually bound (tests listen on port 0).
	onListen func(net.Addr)
}

func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "запустить сервер очереди (run the queue server)",
		Long: "Запускает сервер очереди офиса. Без --config — встроенный демонстрационный офис.\n" +
			"Runs the office's queue server. Without --config, the embedded demo office.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return runServe(cmd.Context(), o, cmd.OutOrStdout(), log)
		},
	}
	cmd.Flags().StringVar(&o.config, "config", "", "файл конфигурации офиса (office config YAML; default: the embedded demo)")
	cmd.Flags().StringVar(&o.db, "db", defaultDB, "файл базы данных SQLite (SQLite database file)")
	cmd.Flags().StringVar(&o.addr, "addr", defaultAddr, "адрес для HTTP (listen address)")
	cmd.Flags().StringVar(&o.tlsCert, "tls-cert", "", "сертификат TLS в PEM: сервер работает по HTTPS (TLS certificate, PEM: serve HTTPS and WSS)")
	cmd.Flags().StringVar(&o.tlsKey, "tls-key", "", "закрытый ключ сертификата в PEM (the certificate's private key, PEM)")
	cmd.Flags().BoolVar(&o.ignoreHours, "ignore-hours", false,
		"не соблюдать часы работы: талоны выдаются в любое время — для показа и проверки вне часов работы "+
			"(ignore the office hours: issue tickets at any time, for demos and checks after hours)")
	return cmd
}

func loadConfig(path string) (*configs.Config, error) {
	if path == "" {
		return configs.Demo(), nil
	}
	return configs.Load(path)
}

// runServe runs the server until ctx ends. Everything is checked before the
// port opens: a bad config or an unreadable log never starts a half-working server.
func runServe(ctx context.Context, o *serveOptions, stdout io.Writer, log *slog.Logger) error {
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	tlsConfig, err := loadTLS(o.tlsCert, o.tlsKey, time.Now(), log)
	if err != nil {
		return err
	}
	if o.ignoreHours {
		cfg.Office.Schedule = nil
		log.Warn("часы работы не соблюдаются: талоны выдаются круглосуточно (--ignore-hours: office hours are ignored)")
	}
	// One server per database: two would each rebuild the state from the
	// log and then write over each other's decisions. The lock dies with
	// the process, so a crash leaves nothing to clean up.
	lock, err := store.Lock(o.db, "eq serve "+o.addr)
	if err != nil {
		return err
	}
	defer func() {
		if err := lock.Close(); err != nil {
			log.Error("release the database lock", "err", err)
		}
	}()
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()
	// Every ticket event is promised to the information systems in the
	// transaction that appends it; the deliverer posts it later, in the
	// background, so a slow receiver never slows the queue.
	hooks, deliverer, err := webhooks(st, cfg, log)
	if err != nil {
		return err
	}
	state, err := store.Load(ctx, st, cfg.Office)
	if err != nil {
		return fmt.Errorf("журнал событий не подходит к конфигурации (the event log does not fit the config): %w", err)
	}
	events := server.NewFeed()
	closed, opened := make(chan struct{}, 1), make(chan struct{}, 1)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := server.NewMetrics(reg)
	engine := queue.NewEngine(state, metrics.EventLog(hooks), queue.ClockFunc(time.Now),
		metrics.Publisher(dayWatch{next: events, closed: closed, opened: opened}))
	if err := engine.Roll(ctx); err != nil {
		return fmt.Errorf("open the working day: %w", err)
	}
	accounts := staffAccounts(cfg)
	demo := demoAccounts(accounts)
	stations, err := openStations(cfg, filepath.Dir(o.db), log)
	if err != nil {
		return err
	}
	printing := kiosk.NewPrinting(cfg.Office, stations, log)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	if o.onListen != nil {
		o.onListen(ln.Addr())
	}
	reader := reports.NewReader(st, cfg.Office)
	srv := server.New(server.Options{
		Engine: engine, Health: st, Accounts: accounts, Logger: log, Feed: events, Metrics: metrics,
		KioskTokens: cfg.KioskTokens, DisplayTokens: cfg.DisplayTokens, RatingTokens: cfg.RatingTokens, Printing: printing,
		Reports: reader, Audit: st, TLS: tlsConfig,
		Display: feed.Settings{RunningText: cfg.Display.RunningText, Blink: cfg.Display.Blink},
	})
	printBanner(stdout, cfg, ln.Addr(), tlsConfig != nil, o.db, demo)
	if len(demo) > 0 {
		log.Warn("ВНИМАНИЕ: у учётных записей демонстрационный пароль — смените их (demo passwords in use: change them)", "logins", demo)
	}
	log.Info("serving", "addr", ln.Addr().String(), "tls", tlsConfig != nil, "db", o.db, "config", cfg.Source)

	// Shutdown goes in order: HTTP (inside srv.Run), then the devices and
	// the day roller, then the store (deferred above).
	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		rollDays(bg, engine, log)
	}()
	go func() {
		defer wg.Done()
		purgeContacts(bg, st, cfg, closed, log)
	}()
	go func() {
		defer wg.Done()
		keepReportDays(bg, reader, cfg.Office.Location, opened, log)
	}()
	go func() {
		defer wg.Done()
		if err := printing.Run(bg); err != nil {
			log.Error("printers", "err", err)
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		deliverer.Run(bg) // stopped before the store closes: wg.Wait below
	}()
	if wantsAutoCall(cfg) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			autoCalls(bg, engine, log)
		}()
	}
	err = srv.Run(ctx, ln, shutdownGrace)
	stopBG()
	wg.Wait()
	log.Info("stopped")
	return err
}

// loadTLS reads the certificate and its key for HTTPS; with neither given
// it returns nil and the server speaks plain HTTP. A certificate outside
// its dates still loads — the office keeps working — but is warned of:
// browsers will refuse it.
func loadTLS(certFile, keyFile string, now time.Time, log *slog.Logger) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("для HTTPS нужны оба флага, --tls-cert и --tls-key (HTTPS needs both --tls-cert and --tls-key)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("сертификат TLS %s с ключом %s не загружен (TLS certificate and key not loaded): %w", certFile, keyFile, err)
	}
	if leaf := cert.Leaf; leaf != nil {
		switch {
		case now.After(leaf.NotAfter):
			log.Warn("срок действия сертификата TLS истёк: браузеры его не примут (the TLS certificate has expired)", "cert", certFile, "not_after", leaf.NotAfter)
		case now.Before(leaf.NotBefore):
			log.Warn("сертификат TLS ещё не действует: браузеры его не примут (the TLS certificate is not valid yet)", "cert", certFile, "not_before", leaf.NotBefore)
		}
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// webhooks makes the event log the engine appends to, which writes the
// outbox rows of the config's webhooks, and the deliverer of those rows.
// The deliverer runs even with no webhook configured: it then only warns
// of undelivered events left by webhooks since removed.
func webhooks(st *store.Store, cfg *configs.Config, log *slog.Logger) (*store.WebhookLog, *webhook.Deliverer, error) {
	names := make([]string, 0, len(cfg.Webhooks))
	endpoints := make([]webhook.Endpoint, 0, len(cfg.Webhooks))
	for _, h := range cfg.Webhooks {
		names = append(names, h.Name)
		endpoints = append(endpoints, webhook.Endpoint{Name: h.Name, URL: h.URL, Secret: h.Secret})
	}
	hooks, err := st.Webhooks(names)
	if err != nil {
		return nil, nil, err
	}
	d, err := webhook.New(webhook.Options{Endpoints: endpoints, Outbox: st, Wake: hooks.Written(), Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return hooks, d, nil
}

// rollDays opens each new working day as the date changes, so numbering
// restarts even in an office nobody touches at midnight.
func rollDays(ctx context.Context, e *queue.Engine, log *slog.Logger) {
	every(ctx, rollEvery, func() {
		if err := e.Roll(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("open the working day", "err", err)
		}
	})
}

// every runs fn every period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// staffAccounts turns the config's staff into the server's sign-in accounts.
func staffAccounts(cfg *configs.Config) []server.Account {
	out := make([]server.Account, 0, len(cfg.Staff))
	for _, a := range cfg.Staff {
		out = append(out, server.Account(a))
	}
	return out
}

// demoAccounts lists the accounts whose password is still "demo".
func demoAccounts(accounts []server.Account) []string {
	var out []string
	demo := map[string]bool{} // bcrypt is slow on purpose: each distinct hash once
	for _, a := range accounts {
		is, seen := demo[a.PasswordHash]
		if !seen {
			is = bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(demoPassword)) == nil
			demo[a.PasswordHash] = is
		}
		if is {
			out = append(out, a.Login)
		}
	}
	return out
}

func printBanner(w io.Writer, cfg *configs.Config, addr net.Addr, https bool, db string, demo []string) {
	base := "http://" + addr.String()
	if https {
		base = "https://" + addr.String()
	}
	abs, err := filepath.Abs(db)
	if err != nil {
		abs = db
	}
	fmt.Fprintf(w, "%s\n%s\n\n", cfg.Office.Name.RU, cfg.Office.Name.EN)
	fmt.Fprintf(w, "  Сервер очереди (queue server):  %s/\n", base)
	kioskToken := "<токен киоска>"
	if cfg.Source == configs.DemoSource && len(cfg.KioskTokens) > 0 {
		kioskToken = cfg.KioskTokens[0]
	}
	fmt.Fprintf(w, "  Киоск (kiosk):                  %s/kiosk?token=%s\n", base, kioskToken)
	fmt.Fprintf(w, "  Пульт оператора (console):      %s/console\n", base)
	fmt.Fprintf(w, "  API:                            %s/api/v1/services\n", base)
	fmt.Fprintf(w, "  Метрики (Prometheus metrics):   %s/metrics\n", base)
	fmt.Fprintf(w, "  Конфигурация (config):          %s\n", cfg.Source)
	fmt.Fprintf(w, "  База данных (database):         %s\n", abs)
	if len(demo) > 0 {
		fmt.Fprintf(w, "\n  !!! Демонстрационные учётные записи, пароль %q (demo accounts, password %q):\n", demoPassword, demoPassword)
		for _, login := range demo {
			fmt.Fprintf(w, "      %s\n", login)
		}
		fmt.Fprintln(w, "  !!! Не используйте их в настоящем офисе (never in a real office).")
	}
	fmt.Fprintln(w, "\n  Остановить: Ctrl+C (stop: Ctrl+C)")
	if f, ok := w.(*os.File); ok {
		_ = f.Sync()
	}
}

// dayWatch hands events on to the server's feed and signals when a
// working day closes (personal data past its retention is purged then)
// and when one opens (the day before is settled for reports then).
type dayWatch struct {
	next           queue.Publisher
	closed, opened chan<- struct{}
}

func (w dayWatch) Publish(evs []queue.Event) {
	w.next.Publish(evs)
	for _, ev := range evs {
		var signal chan<- struct{}
		switch ev.Type {
		case queue.EventDayClosed:
			signal = w.closed
		case queue.EventDayOpened:
			signal = w.opened
		default:
			continue
		}
		select {
		case signal <- struct{}{}:
		default: // one is pending already
		}
	}
}

// keptReportDays is how far back the server keeps the records reports
// read: a year and a month, so that "the last year" is always fast.
const keptReportDays = 400

// reportKeeper makes the records of settled days for reports.
type reportKeeper interface {
	Keep(ctx context.Context, from, to string) error
}

// keepReportDays makes the records of the settled days of the last
// keptReportDays at start and again whenever a working day opens, until
// ctx ends. The first start on a year of log takes some seconds of
// background work; afterwards a day at a time.
func keepReportDays(ctx context.Context, r reportKeeper, loc *time.Location, opened <-chan struct{}, log *slog.Logger) {
	for {
		now := time.Now().In(loc)
		from, to := now.AddDate(0, 0, -keptReportDays).Format(time.DateOnly), now.Format(time.DateOnly)
		start := time.Now()
		if err := r.Keep(ctx, from, to); err != nil && ctx.Err() == nil {
			log.Error("keep report days", "from", from, "to", to, "err", err)
		} else if ctx.Err() == nil {
			log.Debug("report days kept", "from", from, "to", to, "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-opened:
		}
	}
}

// contactsPurger deletes the names and phones of appointments dated
// before a day.
type contactsPurger interface {
	PurgeContacts(ctx context.Context, day string) (int64, error)
}

// purgeContacts deletes personal data past the config's retention at
// start and whenever a working day closes, until ctx ends.
func purgeContacts(ctx context.Context, st contactsPurger, cfg *configs.Config, closed <-chan struct{}, log *slog.Logger) {
	for {
		before := cfg.PurgeBefore(time.Now())
		if n, err := st.PurgeContacts(ctx, before); err != nil {
			log.Error("purge personal data", "before", before, "err", err)
		} else if n > 0 {
			log.Info("personal data purged", "appointments", n, "before", before)
		}
		select {
		case <-ctx.Done():
			return
		case <-closed:
		}
	}
}
