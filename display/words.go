package display

import (
	"time"

	"eq/queue"
)

// words are the board's fixed texts in one language.
type words struct {
	ticket, window, service, waiting, wait string
	minutes, none                          string
	offline                                string
	sign                                   string // "Окно" before the number
	closed, onBreak, idle                  string
	calling, serving                       string
	weekdays                               [7]string
}

var wordsRU = words{
	ticket: "Талон", window: "Окно", service: "Услуга", waiting: "Ждут", wait: "Ожидание",
	minutes: "мин", none: "—",
	offline: "нет связи",
	sign:    "Окно",
	closed:  "Окно закрыто", onBreak: "Перерыв", idle: "Ожидайте вызова",
	calling: "Приглашается талон", serving: "Обслуживается талон",
	weekdays: [7]string{"воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"},
}

var wordsEN = words{
	ticket: "Ticket", window: "Window", service: "Service", waiting: "Waiting", wait: "Wait",
	minutes: "min", none: "—",
	offline: "offline",
	sign:    "Window",
	closed:  "Window closed", onBreak: "Break", idle: "Please wait to be called",
	calling: "Now calling", serving: "Now serving",
	weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
}

// wordsFor returns the board's words in lang: "en", or Russian for
// anything else, Russian being what the hall reads.
func wordsFor(lang string) *words {
	if lang == "en" {
		return &wordsEN
	}
	return &wordsRU
}

// pick returns t in lang, falling back to Russian.
func pick(t queue.Text, lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.RU
}

// weekday returns the day's name in w's language.
func (w *words) weekday(d time.Weekday) string { return w.weekdays[d] }
