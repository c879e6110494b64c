package configs

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"eq/queue"
)

// Limits of sane values; beyond them a value is almost surely a typo ("15h" for "15m").
const (
	maxServiceDuration = 4 * time.Hour // wait targets and service times
	maxLevelStep       = 4 * time.Hour
	maxBreakLimit      = 24 * time.Hour
	maxRecallLimit     = 10 // more repeated calls than this only keep a window waiting for nobody
	maxLevel           = 9
	maxWindowNumber    = 999 // window signs show up to three digits
	minAutoCallPause   = 5 * time.Second
	maxAutoCallPause   = 10 * time.Minute
	maxRatio           = 20 // "20:1" already lets a privileged visitor wait behind twenty others
	minWebhookSecret   = 16 // characters: an HMAC key shorter than this is guessable
)

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	loginPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	prefixPattern = regexp.MustCompile(`^([A-Z]{1,3}|[А-ЯЁ]{1,3})$`)
	bcryptPattern = regexp.MustCompile(`^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$`)
)

// lookalike maps Latin capitals to the Cyrillic ones a display shows the same,
// so that "A" and "А" do not pass as two different prefixes.
var lookalike = strings.NewReplacer(
	"A", "А", "B", "В", "C", "С", "E", "Е", "H", "Н", "K", "К",
	"M", "М", "O", "О", "P", "Р", "T", "Т", "X", "Х", "Y", "У",
)

// check records every problem of f that decoding could not see: missing
// fields, bad values and references between sections.
func (d *decoder) check(f *file) {
	d.checkOffice(&f.Office)
	groups := d.checkGroups(f.Groups)
	services := d.checkServices(f.Services, groups)
	windows := d.checkWindows(f.Windows, f.Services, services)
	d.checkStaff(f.Staff, windows)
	d.checkDevices(&f.Devices)
	d.checkPrinters(f.Printers, &f.Devices)
	d.checkDisplay(&f.Display)
	d.checkSchedule(f.Schedule)
	d.checkAppointments(&f.Appointments)
	d.checkWebhooks(f.Webhooks)
}

func (d *decoder) checkOffice(o *officeSection) {
	d.required("office.name.ru", o.Name.RU)
	if d.required("office.timezone", o.Timezone) {
		if o.Timezone == "Local" {
			d.problemf("office.timezone", "укажите пояс явно, например Europe/Moscow: рабочий день не должен зависеть от настроек компьютера",
				"name the zone, e.g. Europe/Moscow: the working day must not depend on the computer's settings")
		} else if _, err := time.LoadLocation(o.Timezone); err != nil {
			d.problemf("office.timezone", "неизвестный часовой пояс «%s»: нужно имя вида Europe/Moscow", "unknown time zone %q: use a name such as Europe/Moscow", o.Timezone)
		}
	}
	d.duration("office.level_step", o.LevelStep, false, maxLevelStep)
	d.duration("office.break_limit", o.BreakLimit, false, maxBreakLimit)
	d.duration("office.appointment_wait_target", o.AppointmentWaitTarget, false, maxServiceDuration)
	// Zero is refused rather than read as "no recalls": absent is the way to
	// say "default", and an office that never recalls is a typo more often than a rule.
	d.intRange("office.recall_limit", o.RecallLimit, 1, maxRecallLimit)
	d.checkReasons("office.break_reasons", o.BreakReasons, "причин перерыва", "break reasons")
	d.checkReasons("office.rating_reasons", o.RatingReasons, "причин оценки", "rating reasons")
	// An explicit empty value is refused too: absent is the way to say "default".
	if p := o.Dispatch; p != nil && !d.broken("office.dispatch") && (*p == "" || !queue.DispatchPolicy(*p).Valid()) {
		d.problemf("office.dispatch", "неизвестный порядок вызова «%s»: допустимы deadline (по сроку ожидания, по умолчанию) и fifo (по очереди каждой услуги)",
			"unknown dispatch policy %q: allowed are deadline (by wait target, the default) and fifo (first come, first served per service)", *p)
	}
}

// checkReasons checks a list staff or visitors pick a reason from (whatRU
// and whatEN name it in messages: "причин перерыва", "break reasons").
func (d *decoder) checkReasons(path string, list *[]reasonEntry, whatRU, whatEN string) {
	if list == nil || d.broken(path) {
		return
	}
	if len(*list) == 0 {
		d.problemf(path, "список %[1]s пуст: уберите ключ, чтобы взять список по умолчанию, или перечислите причины",
			"the list of %[2]s is empty: remove the key for the default list, or list the reasons", whatRU, whatEN)
		return
	}
	first := map[string]string{}
	names := map[string]string{} // lower-case name → the id that has it
	for i, r := range *list {
		p := index(path, i)
		d.id(p+".id", r.ID, first)
		if !d.required(p+".name.ru", r.Name.RU) {
			continue
		}
		// Operators may type a name instead of the id: two reasons with
		// one name could not be told apart.
		for _, n := range []string{r.Name.RU, r.Name.EN} {
			key := strings.ToLower(strings.TrimSpace(n))
			if other, dup := names[key]; key != "" && dup && other != r.ID {
				d.problemf(p+".name", "название «%s» уже у причины %s", "name %q is already used by reason %s", n, other)
			} else if key != "" {
				names[key] = r.ID
			}
		}
	}
}

// checkGroups returns the group ids; nil means the section is broken and
// references to it are not checked.
func (d *decoder) checkGroups(groups []groupEntry) map[string]bool {
	ids := map[string]bool{}
	first := map[string]string{}
	for i, g := range groups {
		p := index("groups", i)
		d.id(p+".id", g.ID, first)
		ids[g.ID] = true
		d.required(p+".name.ru", g.Name.RU)
	}
	if d.anyBad("groups") {
		return nil
	}
	return ids
}

// checkServices returns the service ids; nil means the section is broken.
func (d *decoder) checkServices(services []serviceEntry, groups map[string]bool) map[string]bool {
	if len(services) == 0 && !d.broken("services") {
		d.problemf("services", "не описано ни одной услуги", "no services are defined")
	}
	ids := map[string]bool{}
	first := map[string]string{}
	prefixes := map[string]string{} // lookalike-normalised prefix → service id
	for i, s := range services {
		p := index("services", i)
		d.id(p+".id", s.ID, first)
		ids[s.ID] = true
		if d.required(p+".prefix", s.Prefix) {
			if !prefixPattern.MatchString(s.Prefix) {
				d.problemf(p+".prefix", "префикс «%s» должен состоять из 1–3 заглавных букв одного алфавита, кириллицы или латиницы",
					"prefix %q must be 1 to 3 capital letters of one alphabet, Cyrillic or Latin", s.Prefix)
			} else if other, dup := prefixes[lookalike.Replace(s.Prefix)]; dup {
				if services[indexOf(services, other)].Prefix == s.Prefix {
					d.problemf(p+".prefix", "префикс «%s» уже используется услугой %s", "prefix %q is already used by service %s", s.Prefix, other)
				} else {
					d.problemf(p+".prefix", "префикс «%s» на табло не отличить от префикса услуги %s", "prefix %q looks the same on a display as the prefix of service %s", s.Prefix, other)
				}
			} else {
				prefixes[lookalike.Replace(s.Prefix)] = s.ID
			}
		}
		d.required(p+".name.ru", s.Name.RU)
		if d.required(p+".group", s.Group) && groups != nil && !groups[s.Group] {
			d.problemf(p+".group", "группа «%s» не описана в groups", "group %q is not defined in groups", s.Group)
		}
		d.duration(p+".wait_target", s.WaitTarget, false, maxServiceDuration)
		d.duration(p+".service_time", s.ServiceTime, true, maxServiceDuration)
		d.checkBooking(p+".booking", s.Booking)
	}
	if d.anyBad("services") {
		return nil
	}
	return ids
}

func indexOf(services []serviceEntry, id string) int {
	for i, s := range services {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// checkWindows also checks that every service is served somewhere. It
// returns the window numbers; nil means the section is broken.
func (d *decoder) checkWindows(windows []windowEntry, services []serviceEntry, ids map[string]bool) map[int]bool {
	if len(windows) == 0 && !d.broken("windows") {
		d.problemf("windows", "не описано ни одного окна", "no windows are defined")
	}
	numbers := map[int]bool{}
	served := map[string]bool{}
	for i, w := range windows {
		p := index("windows", i)
		switch {
		case !d.present(p + ".number"):
			if !d.broken(p + ".number") {
				d.problemf(p+".number", "не указан номер окна", "the window number is missing")
			}
		case w.Number <= 0 || w.Number > maxWindowNumber:
			d.problemf(p+".number", "номер окна должен быть от 1 до %d", "a window number must be from 1 to %d", maxWindowNumber)
		case numbers[w.Number]:
			d.problemf(p+".number", "окно %d уже описано выше", "window %d is already defined above", w.Number)
		}
		numbers[w.Number] = true
		if len(w.Services) == 0 && !d.broken(p+".services") {
			d.problemf(p+".services", "окно не обслуживает ни одной услуги", "the window serves no service")
		}
		inWindow := map[string]bool{}
		for j, ws := range w.Services {
			q := index(p+".services", j)
			if d.required(q+".service", ws.Service) {
				switch {
				case ids != nil && !ids[ws.Service]:
					d.problemf(q+".service", "неизвестная услуга «%s»: её нет в services", "unknown service %q: it is not in services", ws.Service)
				case inWindow[ws.Service]:
					d.problemf(q+".service", "услуга %s уже указана в этом окне", "service %s is already listed for this window", ws.Service)
				}
				inWindow[ws.Service] = true
				served[ws.Service] = true
			}
			if ws.Level != nil && (*ws.Level < 1 || *ws.Level > maxLevel) {
				d.problemf(q+".level", "уровень должен быть от 1 (основная работа) до %d", "the level must be from 1 (main work) to %d", maxLevel)
			}
		}
		if w.Ratio != nil && !d.broken(p+".ratio") {
			if _, err := parseRatio(*w.Ratio); err != nil {
				d.problemf(p+".ratio", "правило очерёдности «%[1]s»: %[2]s", "ratio rule %[1]q: %[3]s", *w.Ratio, err.RU, err.EN)
			}
		}
		// A pause under a few seconds leaves the operator no time to take
		// a break or close before the next visitor is called; and "0" is
		// as likely meant as "off", which is said by leaving the key out.
		if v := w.AutoCall; v != nil && !d.broken(p+".auto_call") && (*v < minAutoCallPause || *v > maxAutoCallPause) {
			d.problemf(p+".auto_call", "пауза перед автовызовом должна быть от %s до %s; чтобы выключить автовызов, уберите ключ",
				"the pause before auto-call must be from %s to %s; to turn auto-call off, remove the key", fmtDuration(minAutoCallPause), fmtDuration(maxAutoCallPause))
		}
	}
	if len(windows) > 0 && ids != nil && !d.anyBad("windows") {
		for i, s := range services {
			if idPattern.MatchString(s.ID) && !served[s.ID] {
				d.problemf(index("services", i), "услугу %s не обслуживает ни одно окно: добавьте её в windows", "service %s is served by no window: add it to windows", s.ID)
			}
		}
	}
	if d.anyBad("windows") {
		return nil
	}
	return numbers
}

func (d *decoder) checkStaff(staff []staffEntry, windows map[int]bool) {
	logins := map[string]int{}
	supervisors, badRoles := 0, 0
	for i, s := range staff {
		p := index("staff", i)
		if d.required(p+".login", s.Login) {
			if !loginPattern.MatchString(s.Login) {
				d.problemf(p+".login", "логин «%s»: только строчные латинские буквы, цифры, точка, дефис и подчёркивание", "login %q: lowercase Latin letters, digits, dot, dash and underscore only", s.Login)
			} else if j, dup := logins[s.Login]; dup {
				d.problemf(p+".login", "логин %s уже используется (staff[%d])", "login %s is already used (staff[%d])", s.Login, j)
			} else {
				logins[s.Login] = i
			}
		}
		role := queue.Role(s.Role)
		if !role.Valid() {
			badRoles++
		}
		if d.required(p+".role", s.Role) && !role.Valid() {
			d.problemf(p+".role", "неизвестная роль «%s»: допустимы operator, manager, admin", "unknown role %q: allowed are operator, manager, admin", s.Role)
		}
		if role.Supervises() {
			supervisors++
		}
		if role == queue.RoleOperator {
			d.required(p+".name", s.Name)
		}
		d.passwordHash(p+".password_hash", s.PasswordHash)
		if s.Window != 0 && windows != nil && !windows[s.Window] {
			d.problemf(p+".window", "окно %d не описано в windows", "window %d is not defined in windows", s.Window)
		}
	}
	if supervisors == 0 && badRoles == 0 && !d.anyBad("staff") {
		d.problemf("staff", "нужен хотя бы один сотрудник с ролью admin или manager", "at least one member of staff must have the role admin or manager")
	}
}

func (d *decoder) passwordHash(path, hash string) {
	if d.broken(path) {
		return
	}
	switch {
	case hash == "":
		d.problemf(path, "не задан хэш пароля: задайте его командой `eq user passwd`", "the password hash is missing: set it with `eq user passwd`")
	case !strings.HasPrefix(hash, "$"):
		d.problemf(path, "похоже на пароль в открытом виде: в конфигурации хранится только хэш bcrypt, задайте его командой `eq user passwd`",
			"this looks like a plain password: the config holds only a bcrypt hash, set it with `eq user passwd`")
	default:
		if _, err := bcrypt.Cost([]byte(hash)); err != nil || !bcryptPattern.MatchString(hash) {
			d.problemf(path, "это не хэш bcrypt ($2a$, $2b$ или $2y$): задайте его командой `eq user passwd`",
				"not a bcrypt hash ($2a$, $2b$ or $2y$): set it with `eq user passwd`")
		}
	}
}

func (d *decoder) checkDevices(dev *devicesSection) {
	seen := map[string]string{}
	for _, list := range []struct {
		path   string
		tokens []string
	}{{"devices.kiosk_tokens", dev.KioskTokens}, {"devices.display_tokens", dev.DisplayTokens}, {"devices.rating_tokens", dev.RatingTokens}} {
		for i, tok := range list.tokens {
			p := index(list.path, i)
			switch {
			case d.broken(p):
			case strings.TrimSpace(tok) == "":
				d.problemf(p, "пустой токен", "empty token")
			case strings.ContainsAny(tok, " \t\r\n"):
				d.problemf(p, "в токене не должно быть пробелов", "a token must not contain spaces")
			case seen[tok] != "":
				d.problemf(p, "токен уже указан в %s", "token already given at %s", seen[tok])
			default:
				seen[tok] = p
			}
		}
	}
}

// required reports a problem when value is empty and was not already found
// broken; it returns whether the value is there to check further.
func (d *decoder) required(path, value string) bool {
	if strings.TrimSpace(value) != "" {
		return true
	}
	if !d.broken(path) {
		d.problemf(path, "обязательное поле не заполнено", "required field is missing")
	}
	return false
}

// id checks an identifier: present, lowercase Latin, digits and dashes, unique
// among its siblings (first maps ids to the path that took them).
func (d *decoder) id(path, id string, first map[string]string) {
	if !d.required(path, id) {
		return
	}
	if !idPattern.MatchString(id) {
		d.problemf(path, "id «%s»: только строчные латинские буквы, цифры и дефисы", "id %q: lowercase Latin letters, digits and dashes only", id)
		return
	}
	if other, dup := first[id]; dup {
		d.problemf(path, "id %s уже используется (%s)", "id %s is already used (%s)", id, parentPath(other))
		return
	}
	first[id] = path
}

// duration checks an optional or required duration against (0, max].
func (d *decoder) duration(path string, v *time.Duration, required bool, max time.Duration) {
	switch {
	case d.broken(path):
	case v == nil:
		if required {
			d.problemf(path, "обязательное поле не заполнено", "required field is missing")
		}
	case *v <= 0 || *v > max:
		d.problemf(path, "длительность должна быть больше нуля и не больше %s", "the duration must be above zero and at most %s", fmtDuration(max))
	}
}

// fmtDuration writes 4h rather than 4h0m0s.
func fmtDuration(v time.Duration) string {
	s := v.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// broken reports whether path or one of its ancestors could not be decoded.
func (d *decoder) broken(path string) bool {
	for {
		if d.bad[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parentPath(path)
	}
}

// anyBad reports whether path or anything under it could not be decoded.
func (d *decoder) anyBad(path string) bool {
	for p := range d.bad {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return d.broken(path)
}

// ratioError says why a ratio rule is wrong, in both languages.
type ratioError struct{ RU, EN string }

// parseRatio reads a window's ratio rule "N:1": N other visitors per
// privileged one, N from 1 to maxRatio.
func parseRatio(s string) (int, *ratioError) {
	n, one, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || strings.TrimSpace(one) != "1" {
		return 0, &ratioError{"нужна запись вида 2:1 (обычных на одного льготного)", `write it as "2:1" (others per privileged visitor)`}
	}
	n = strings.TrimSpace(n)
	v, err := strconv.Atoi(n)
	if err != nil || strings.Trim(n, "0123456789") != "" || v < 1 || v > maxRatio {
		return 0, &ratioError{fmt.Sprintf("число обычных посетителей должно быть от 1 до %d", maxRatio), fmt.Sprintf("the number of others must be from 1 to %d", maxRatio)}
	}
	return v, nil
}

// checkWebhooks checks the information systems to tell of ticket events.
func (d *decoder) checkWebhooks(hooks []webhookEntry) {
	first := map[string]string{}
	for i, h := range hooks {
		p := index("webhooks", i)
		d.id(p+".name", h.Name, first)
		if d.required(p+".url", h.URL) {
			u, err := url.Parse(h.URL)
			switch {
			case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
				d.problemf(p+".url", "адрес «%s»: нужен полный адрес http:// или https://", "address %q: a full http:// or https:// address is needed", h.URL)
			case !validPort(u.Port()):
				d.problemf(p+".url", "адрес «%s»: порт должен быть числом от 1 до 65535", "address %q: the port must be a number from 1 to 65535", h.URL)
			}
		}
		// Characters, not bytes: eight Cyrillic letters are sixteen bytes
		// and as easy to guess as eight Latin ones.
		if d.required(p+".secret", h.Secret) && utf8.RuneCountInString(h.Secret) < minWebhookSecret {
			d.problemf(p+".secret", "секрет для подписи короче %d символов: его легко подобрать",
				"the signing secret is shorter than %d characters: it can be guessed", minWebhookSecret)
		}
	}
}

// validPort reports whether a URL's port is absent (the scheme's) or a
// number a TCP port can be.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// build converts a checked file into a Config, applying defaults.
func build(f *file) *Config {
	loc, err := time.LoadLocation(f.Office.Timezone)
	if err != nil {
		panic("configs: build after check: " + err.Error())
	}
	o := &queue.Office{
		Name:        f.Office.Name.text(),
		Address:     f.Office.Address.text(),
		Location:    loc,
		LevelStep:   orDefault(f.Office.LevelStep, queue.DefaultLevelStep),
		BreakLimit:  orDefault(f.Office.BreakLimit, queue.DefaultBreakLimit),
		Dispatch:    queue.DispatchDeadline,
		RecallLimit: queue.DefaultRecallLimit,
		Schedule:    buildSchedule(f.Schedule),
		Checkin:     buildCheckin(&f.Appointments),

		AppointmentWaitTarget: orDefault(f.Office.AppointmentWaitTarget, queue.DefaultAppointmentWaitTarget),
	}
	o.BreakReasons = buildReasons(f.Office.BreakReasons, queue.DefaultBreakReasons)
	o.RatingReasons = buildReasons(f.Office.RatingReasons, queue.DefaultRatingReasons)
	if f.Office.RecallLimit != nil {
		o.RecallLimit = *f.Office.RecallLimit
	}
	if f.Office.Dispatch != nil {
		o.Dispatch = queue.DispatchPolicy(*f.Office.Dispatch)
	}
	for _, g := range f.Groups {
		o.Groups = append(o.Groups, queue.Group{ID: g.ID, Name: g.Name.text()})
	}
	for _, s := range f.Services {
		o.Services = append(o.Services, queue.Service{
			ID:          s.ID,
			Prefix:      s.Prefix,
			Name:        s.Name.text(),
			Group:       s.Group,
			WaitTarget:  orDefault(s.WaitTarget, queue.DefaultWaitTarget),
			ServiceTime: *s.ServiceTime,
			Booking:     buildBooking(s.Booking),
		})
	}
	for _, w := range f.Windows {
		win := queue.Window{Number: w.Number}
		if w.Ratio != nil {
			win.Ratio, _ = parseRatio(*w.Ratio)
		}
		if w.AutoCall != nil {
			win.AutoCall, win.AutoCallPause = true, *w.AutoCall
		}
		for _, ws := range w.Services {
			level := 1
			if ws.Level != nil {
				level = *ws.Level
			}
			win.Services = append(win.Services, queue.WindowService{Service: ws.Service, Level: level})
		}
		o.Windows = append(o.Windows, win)
	}
	c := &Config{Office: o, KioskTokens: f.Devices.KioskTokens, DisplayTokens: f.Devices.DisplayTokens, RatingTokens: f.Devices.RatingTokens,
		Printers: buildPrinters(f.Printers), Display: buildDisplay(&f.Display), Appointments: buildAppointments(&f.Appointments)}
	for _, h := range f.Webhooks {
		c.Webhooks = append(c.Webhooks, Webhook{Name: h.Name, URL: h.URL, Secret: h.Secret})
	}
	for _, s := range f.Staff {
		o.Operators = append(o.Operators, queue.Operator{Login: s.Login, Name: s.Name, Position: s.Position, Role: queue.Role(s.Role)})
		c.Staff = append(c.Staff, Account{Login: s.Login, PasswordHash: s.PasswordHash, Role: queue.Role(s.Role), Window: s.Window})
	}
	return c
}

// buildReasons is a configured list of reasons, or a copy of def when the key is absent.
func buildReasons(list *[]reasonEntry, def []queue.Reason) []queue.Reason {
	if list == nil {
		return append([]queue.Reason(nil), def...)
	}
	out := make([]queue.Reason, 0, len(*list))
	for _, r := range *list {
		out = append(out, queue.Reason{ID: r.ID, Name: r.Name.text()})
	}
	return out
}

// text gives the English name, when missing, the Russian one: better an
// untranslated name on an English screen than a blank.
func (t text) text() queue.Text {
	if t.EN == "" {
		return queue.Text{RU: t.RU, EN: t.RU}
	}
	return queue.Text{RU: t.RU, EN: t.EN}
}

func orDefault(v *time.Duration, def time.Duration) time.Duration {
	if v == nil {
		return def
	}
	return *v
}
