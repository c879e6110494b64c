package display

import (
	"image/color"
	"strconv"
	"unicode/utf8"
)

// Size is a screen's size in pixels.
type Size struct{ W, H int }

func (s Size) String() string { return strconv.Itoa(s.W) + "x" + strconv.Itoa(s.H) }

// Portrait reports whether the screen is taller than it is wide.
func (s Size) Portrait() bool { return s.H > s.W }

// Frame is one picture: the items to draw, in order, each over the ones
// before. A Layouter reuses its Frame, so it is valid until the next Layout.
type Frame struct {
	Size  Size
	Items []Item
}

// Item is one thing to draw: a filled rectangle or a line of text.
//
// A text is drawn inside its Rect: aligned to the left, centre or right
// edge and centred vertically on its capital letters. It may be wider than
// the Rect only when it scrolls (the running text); the layout fits every
// other text to its Rect.
type Item struct {
	Kind     Kind
	Role     Role // what the item shows, for tests and debugging
	Index    int  // which row of its kind, from 0
	Rect     Rect
	Text     string
	FontSize float64 // pixels, whole
	Bold     bool
	Color    Color
	Align    Align
	Visible  bool // false while blinking off: the place stays reserved
}

// Kind is the kind of an Item.
type Kind uint8

// Item kinds.
const (
	KindRect Kind = iota + 1
	KindText
)

// Rect is a rectangle in pixels, from the top left corner.
type Rect struct{ X, Y, W, H float64 }

// Bottom is the rectangle's lower edge.
func (r Rect) Bottom() float64 { return r.Y + r.H }

// Right is the rectangle's right edge.
func (r Rect) Right() float64 { return r.X + r.W }

// Align is how a text sits in its Rect.
type Align uint8

// Alignments.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// Color is one of the board's few colours. The palette is dark with light
// text: high contrast, readable across a hall, and calm for a screen that
// is on all day.
type Color uint8

// The palette.
const (
	ColorBackground Color = iota
	ColorPanel
	ColorAccent // the newest call, ticket prefixes
	ColorText
	ColorMuted // headings, positions, secondary text
	ColorAlert // a wait over its target, no connection
)

var palette = [...]color.RGBA{
	ColorBackground: {0x0a, 0x17, 0x29, 0xff},
	ColorPanel:      {0x13, 0x2d, 0x4b, 0xff},
	ColorAccent:     {0xff, 0xc8, 0x2e, 0xff},
	ColorText:       {0xff, 0xff, 0xff, 0xff},
	ColorMuted:      {0xa9, 0xbd, 0xd3, 0xff},
	ColorAlert:      {0xff, 0x5c, 0x4d, 0xff},
}

// RGBA is the colour's value.
func (c Color) RGBA() color.RGBA {
	if int(c) < len(palette) {
		return palette[c]
	}
	return palette[ColorText]
}

// Role says what an Item shows.
type Role uint8

// Roles. Rows (calls, services) are told apart by Item.Index.
const (
	RoleNone Role = iota
	RoleBackground
	RoleHeader        // the hall's header band
	RoleOffice        // the office's name
	RoleWeekday       // the day of the week
	RoleDate          // dd.mm.yyyy
	RoleClock         // HH:MM in the office's time zone
	RoleCallsPanel    // the panel of calls
	RoleCallsHeading  // "Талон", "Окно" over the calls
	RoleCallRow       // a separator above a call row
	RoleCallTicket    // a called ticket's number
	RoleCallArrow     // the arrow between ticket and window
	RoleCallWindow    // the window a ticket is called to
	RoleServicesPanel // the panel of queues
	RoleServiceHead   // the headings over the queues
	RoleServiceRow    // a separator above a service row
	RoleServiceAlert  // the alert bar of a service over its target
	RoleServicePrefix // a service's ticket prefix
	RoleServiceName   // a service's name
	RoleServiceCount  // how many are waiting
	RoleServiceWait   // the predicted wait, "≈12 мин"
	RoleTickerBand    // the running text's band
	RoleTicker        // the running text
	RoleOffline       // the "no connection" mark
	RoleOfflineBack   // its background
	RoleSignBand      // the window sign's top band
	RoleSignWindow    // "Окно 5"
	RoleSignLabel     // "Приглашается талон", "Обслуживается талон"
	RoleSignTicket    // the ticket at the window
	RoleSignState     // "Окно закрыто", "Перерыв", "Ожидайте вызова"
	RoleOperatorName  // the worker's full name
	RoleOperatorPost  // the worker's position
)

var roleNames = [...]string{"none", "background", "header", "office", "weekday", "date", "clock",
	"calls-panel", "calls-heading", "call-row", "call-ticket", "call-arrow", "call-window",
	"services-panel", "service-head", "service-row", "service-alert", "service-prefix", "service-name",
	"service-count", "service-wait", "ticker-band", "ticker", "offline", "offline-back",
	"sign-band", "sign-window", "sign-label", "sign-ticket", "sign-state", "operator-name", "operator-post"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "role?"
}

// Measure returns how wide text is, in pixels, at a font size in pixels. The
// renderer measures with its real fonts; tests use ApproxMeasure.
type Measure func(text string, size float64, bold bool) float64

// ApproxMeasure is a fixed-width stand-in for a font: every character is
// 0.55 of the size wide, 0.6 in bold.
func ApproxMeasure(text string, size float64, bold bool) float64 {
	k := 0.55
	if bold {
		k = 0.6
	}
	return float64(utf8.RuneCountInString(text)) * size * k
}
