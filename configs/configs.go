// Package configs reads an office's configuration from YAML: the office, its
// life-situation groups, services, windows, staff accounts and device tokens.
// demo.yaml, embedded, is the default office of `eq serve` and the annotated
// example an administrator copies.
//
// Parsing is strict and tells everything at once: every problem found is
// reported with its line and field path, Russian first, in a *ValidationError.
//
// Adding a top-level section (schedule, printer, sound…) takes three steps:
// a field with a yaml tag in file, its checks in check, and its conversion in
// build. Keys the schema does not know are errors, so a misspelt key never
// silently falls back to a default.
package configs

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"reflect"
	"sort"
	"time"
	_ "time/tzdata" // offices run on Windows PCs and bare containers without a zone database

	"gopkg.in/yaml.v3"

	"eq/queue"
)

// Config is a parsed, checked office configuration.
type Config struct {
	Office        *queue.Office // ready for queue.NewState
	Staff         []Account     // in file order; every one is also in Office.Operators
	KioskTokens   []string      // bearer tokens of kiosks; none means issue is open to the LAN
	DisplayTokens []string      // bearer tokens of hall displays and window signs
	RatingTokens  []string      // bearer tokens of the rating tablets at the windows
	Webhooks      []Webhook     // the centre's information systems told of every ticket event
	Printers      []Printer     // kiosks' ticket printers
	Display       Display       // the hall display and window signs
	Appointments  Appointments  // personal data retention
	Source        string        // the file name, or "demo.yaml (embedded)"
}

// Webhook is an information system that hears every ticket event: each is
// POSTed to URL as JSON, signed with Secret (see docs/webhooks.md).
type Webhook struct {
	Name   string // id; deliveries are kept per name, so renaming one starts it afresh
	URL    string
	Secret string
}

// Account is what the server needs to sign a member of staff in.
type Account struct {
	Login        string
	PasswordHash string // bcrypt
	Role         queue.Role
	Window       int // home window; 0 for none
}

// DemoSource is the Source of the embedded demo office.
const DemoSource = "demo.yaml (embedded)"

//go:embed demo.yaml
var demoYAML []byte

// Demo returns the embedded demo office, parsed afresh so callers may change it.
// It panics if demo.yaml is invalid, which the package's tests rule out.
func Demo() *Config {
	c, err := Parse("demo.yaml", demoYAML)
	if err != nil {
		panic("configs: the embedded demo.yaml is invalid:\n" + err.Error())
	}
	c.Source = DemoSource
	return c
}

// DemoYAML returns a copy of the embedded demo.yaml, a starting point for a real office.
func DemoYAML() []byte { return bytes.Clone(demoYAML) }

// Load reads and parses the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configs: не удалось прочитать файл конфигурации (cannot read the config file): %w", err)
	}
	return Parse(path, data)
}

// Parse parses and checks a config; name is the file name used in messages.
// Any error is a *ValidationError listing every problem found.
func Parse(name string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ValidationError{File: name, Problems: []Problem{SyntaxProblem(err)}}
	}
	if p, extra := ExtraDocument(data); extra {
		return nil, &ValidationError{File: name, Problems: []Problem{p}}
	}
	// Comments alone, "---" or "~" hold no config either.
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && (len(root.Content) == 0 || root.Content[0].ShortTag() == "!!null")) {
		return nil, &ValidationError{File: name, Problems: []Problem{{
			Message: "файл конфигурации пуст", MessageEN: "the config file is empty",
		}}}
	}
	d := newDecoder()
	var f file
	d.decode(&root, reflect.ValueOf(&f).Elem(), "")
	if !d.bad[""] {
		d.check(&f)
	}
	if len(d.problems) > 0 {
		sort.SliceStable(d.problems, func(i, j int) bool { return d.problems[i].Line < d.problems[j].Line })
		return nil, &ValidationError{File: name, Problems: d.problems}
	}
	c := build(&f)
	c.Source = name
	return c, nil
}

// The schema: what a config file may hold. Optional values are pointers, nil
// when absent, so that an explicit zero is an error rather than a default.

type file struct {
	Office   officeSection  `yaml:"office"`
	Groups   []groupEntry   `yaml:"groups"`
	Services []serviceEntry `yaml:"services"`
	Windows  []windowEntry  `yaml:"windows"`
	Staff    []staffEntry   `yaml:"staff"`
	Devices  devicesSection `yaml:"devices"`
	Printers []printerEntry `yaml:"printers"`
	Display  displaySection `yaml:"display"`

	Schedule     *scheduleSection    `yaml:"schedule"`
	Appointments appointmentsSection `yaml:"appointments"`
	Webhooks     []webhookEntry      `yaml:"webhooks"`
}

type webhookEntry struct {
	Name   string `yaml:"name"`
	URL    string `yaml:"url"`
	Secret string `yaml:"secret"`
}

type text struct {
	RU string `yaml:"ru"`
	EN string `yaml:"en"`
}

type officeSection struct {
	Name        text           `yaml:"name"`
	Address     text           `yaml:"address"` // shown on booking confirmations
	Timezone    string         `yaml:"timezone"`
	LevelStep   *time.Duration `yaml:"level_step"`   // default queue.DefaultLevelStep
	BreakLimit  *time.Duration `yaml:"break_limit"`  // default queue.DefaultBreakLimit
	RecallLimit *int           `yaml:"recall_limit"` // default queue.DefaultRecallLimit
	Dispatch    *string        `yaml:"dispatch"`     // deadline or fifo; default deadline
	// AppointmentWaitTarget: default queue.DefaultAppointmentWaitTarget.
	AppointmentWaitTarget *time.Duration `yaml:"appointment_wait_target"`
	// BreakReasons: absent is queue.DefaultBreakReasons.
	BreakReasons *[]reasonEntry `yaml:"break_reasons"`
	// RatingReasons: absent is queue.DefaultRatingReasons.
	RatingReasons *[]reasonEntry `yaml:"rating_reasons"`
}

type reasonEntry struct {
	ID   string `yaml:"id"`
	Name text   `yaml:"name"`
}

type groupEntry struct {
	ID   string `yaml:"id"`
	Name text   `yaml:"name"`
}

type serviceEntry struct {
	ID          string         `yaml:"id"`
	Prefix      string         `yaml:"prefix"`
	Name        text           `yaml:"name"`
	Group       string         `yaml:"group"`
	WaitTarget  *time.Duration `yaml:"wait_target"` // default queue.DefaultWaitTarget
	ServiceTime *time.Duration `yaml:"service_time"`
	Booking     *bookingEntry  `yaml:"booking"` // appointments; absent: live queue only
}

type windowEntry struct {
	Number   int                  `yaml:"number"`
	Services []windowServiceEntry `yaml:"services"`
	Ratio    *string              `yaml:"ratio"`     // "N:1": N others per privileged visitor; absent, privileged first always
	AutoCall *time.Duration       `yaml:"auto_call"` // the pause before auto-call; absent, the operator calls
}

type windowServiceEntry struct {
	Service string `yaml:"service"`
	Level   *int   `yaml:"level"` // default 1
}

type staffEntry struct {
	Login        string `yaml:"login"`
	Name         string `yaml:"name"`
	Position     string `yaml:"position"`
	Role         string `yaml:"role"`
	Window       int    `yaml:"window"`
	PasswordHash string `yaml:"password_hash"`
}

type devicesSection struct {
	KioskTokens   []string `yaml:"kiosk_tokens"`
	DisplayTokens []string `yaml:"display_tokens"`
	RatingTokens  []string `yaml:"rating_tokens"`
}
