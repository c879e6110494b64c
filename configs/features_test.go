package configs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"eq/queue"
)

// parseWith is base with extra put after the line after (once).
func parseWith(t *testing.T, after, extra string) (*Config, error) {
	t.Helper()
	if !strings.Contains(base, after) {
		t.Fatalf("base has no line %q", after)
	}
	return Parse("test.yaml", []byte(strings.Replace(base, after, after+extra, 1)))
}

// oneProblem checks err reports exactly one problem at path whose Russian
// message holds contains, with an English one beside it.
func oneProblem(t *testing.T, err error, path, contains string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	if len(ve.Problems) != 1 {
		t.Fatalf("got %d problems, want 1:\n%v", len(ve.Problems), err)
	}
	if p := ve.Problems[0]; p.Path != path || !strings.Contains(p.Message, contains) || p.MessageEN == "" || p.Line == 0 {
		t.Errorf("got %d %s: %s (%s), want %s containing %q", p.Line, p.Path, p.Message, p.MessageEN, path, contains)
	}
}

const window1 = "  - number: 1\n"

func TestParseWindowRules(t *testing.T) {
	t.Run("without the keys a window has no ratio rule and no auto-call", func(t *testing.T) {
		c, err := Parse("test.yaml", []byte(base))
		if err != nil {
			t.Fatal(err)
		}
		if w := c.Office.Windows[0]; w.Ratio != 0 || w.AutoCall || w.AutoCallPause != 0 {
			t.Errorf("got %+v", w)
		}
	})
	accepted := []struct {
		name      string
		extra     string
		ratio     int
		autoCall  bool
		autoPause time.Duration
	}{
		{"a 2:1 ratio", "    ratio: \"2:1\"\n", 2, false, 0},
		{"a ratio with spaces", "    ratio: \" 3 : 1 \"\n", 3, false, 0},
		{"auto-call after 20 s", "    auto_call: 20s\n", 0, true, 20 * time.Second},
		{"auto-call after the shortest pause", "    auto_call: 5s\n", 0, true, 5 * time.Second},
		{"both", "    ratio: \"1:1\"\n    auto_call: 1m\n", 1, true, time.Minute},
	}
	for _, tt := range accepted {
		t.Run(tt.name+" is read", func(t *testing.T) {
			c, err := parseWith(t, window1, tt.extra)
			if err != nil {
				t.Fatal(err)
			}
			w := c.Office.Windows[0]
			if w.Ratio != tt.ratio || w.AutoCall != tt.autoCall || w.AutoCallPause != tt.autoPause {
				t.Errorf("got ratio %d, auto %v after %v; want %d, %v after %v", w.Ratio, w.AutoCall, w.AutoCallPause, tt.ratio, tt.autoCall, tt.autoPause)
			}
			if _, err := queue.NewState(c.Office); err != nil {
				t.Errorf("queue.NewState: %v", err)
			}
		})
	}
	refused := []struct {
		name, extra, path, contains string
	}{
		{"a ratio of two privileged is refused", "    ratio: \"2:2\"\n", "windows[0].ratio", "вида 2:1"},
		{"a ratio in words is refused", "    ratio: two\n", "windows[0].ratio", "вида 2:1"},
		{"a ratio of zero others is refused", "    ratio: \"0:1\"\n", "windows[0].ratio", "от 1 до 20"},
		{"a ratio of 21 is refused", "    ratio: \"21:1\"\n", "windows[0].ratio", "от 1 до 20"},
		{"a negative pause is refused", "    auto_call: -5s\n", "windows[0].auto_call", "от 5s до 10m"},
		{"a zero pause is refused, not read as off", "    auto_call: 0s\n", "windows[0].auto_call", "уберите ключ"},
		{"a pause under five seconds is refused", "    auto_call: 300ms\n", "windows[0].auto_call", "от 5s до 10m"},
		{"a pause of an hour is refused", "    auto_call: 1h\n", "windows[0].auto_call", "от 5s до 10m"},
		{"a ratio with a plus sign is refused", "    ratio: \"+2:1\"\n", "windows[0].ratio", "от 1 до 20"},
		{"a pause in words is refused", "    auto_call: yes\n", "windows[0].auto_call", "неверная длительность"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWith(t, window1, tt.extra)
			oneProblem(t, err, tt.path, tt.contains)
		})
	}
}

// TestReasonListDefaults: without its key a list of reasons is the
// default one, and the demo spells the defaults out.
func TestReasonListDefaults(t *testing.T) {
	c, err := Parse("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	demo := Demo()
	for _, tt := range []struct {
		name      string
		got, demo []queue.Reason
		want      []queue.Reason
	}{
		{"break reasons", c.Office.BreakReasons, demo.Office.BreakReasons, queue.DefaultBreakReasons},
		{"rating reasons", c.Office.RatingReasons, demo.Office.RatingReasons, queue.DefaultRatingReasons},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("without the key: got %+v, want %+v", tt.got, tt.want)
			}
			if !reflect.DeepEqual(tt.demo, tt.want) {
				t.Errorf("the demo: got %+v, want %+v", tt.demo, tt.want)
			}
		})
	}
}

func TestParseRatingReasons(t *testing.T) {
	const after = "  timezone: Europe/Moscow\n"
	t.Run("a list given replaces the default", func(t *testing.T) {
		c, err := parseWith(t, after, "  rating_reasons:\n    - {id: queue, name: {ru: очередь, en: The queue}}\n")
		if err != nil {
			t.Fatal(err)
		}
		want := []queue.Reason{{ID: "queue", Name: queue.Text{RU: "очередь", EN: "The queue"}}}
		if got := c.Office.RatingReasons; !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("an empty list is refused", func(t *testing.T) {
		_, err := parseWith(t, after, "  rating_reasons: []\n")
		oneProblem(t, err, "office.rating_reasons", "список причин оценки пуст")
	})
	t.Run("an id given twice is refused", func(t *testing.T) {
		_, err := parseWith(t, after, "  rating_reasons:\n    - {id: a, name: {ru: раз}}\n    - {id: a, name: {ru: два}}\n")
		oneProblem(t, err, "office.rating_reasons[1].id", "уже используется")
	})
}

func TestParseRatingTokens(t *testing.T) {
	const after = "  display_tokens: [display]\n"
	c, err := parseWith(t, after, "  rating_tokens: [tablet-1, tablet-2]\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.RatingTokens, []string{"tablet-1", "tablet-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	t.Run("a token another device has is refused", func(t *testing.T) {
		_, err := parseWith(t, after, "  rating_tokens: [kiosk]\n")
		oneProblem(t, err, "devices.rating_tokens[0]", "токен уже указан")
	})
	t.Run("a token with a space is refused", func(t *testing.T) {
		_, err := parseWith(t, after, "  rating_tokens: [\"a b\"]\n")
		oneProblem(t, err, "devices.rating_tokens[0]", "пробелов")
	})
}

func TestParseWebhooks(t *testing.T) {
	const after = "  display_tokens: [display]\n"
	const secret = "0123456789abcdef0123"
	t.Run("webhooks are read in order", func(t *testing.T) {
		c, err := parseWith(t, after, "webhooks:\n  - {name: is, url: \"https://is.mfc.local/hook\", secret: "+secret+"}\n  - {name: archive, url: \"http://10.0.0.9:8000/eq\", secret: "+secret+"x}\n")
		if err != nil {
			t.Fatal(err)
		}
		want := []Webhook{
			{Name: "is", URL: "https://is.mfc.local/hook", Secret: secret},
			{Name: "archive", URL: "http://10.0.0.9:8000/eq", Secret: secret + "x"},
		}
		if !reflect.DeepEqual(c.Webhooks, want) {
			t.Errorf("got %+v, want %+v", c.Webhooks, want)
		}
	})
	refused := []struct {
		name, hook, path, contains string
	}{
		{"a webhook without a url is refused", "{name: is, secret: " + secret + "}", "webhooks[0].url", "обязательное поле"},
		{"a url without a scheme is refused", "{name: is, url: is.mfc.local/hook, secret: " + secret + "}", "webhooks[0].url", "полный адрес"},
		{"an ftp url is refused", "{name: is, url: \"ftp://is/hook\", secret: " + secret + "}", "webhooks[0].url", "полный адрес"},
		{"a short secret is refused", "{name: is, url: \"http://is/hook\", secret: short}", "webhooks[0].secret", "короче 16"},
		{"a secret of eight Cyrillic letters is refused, though it is 16 bytes", "{name: is, url: \"http://is/hook\", secret: секретик}", "webhooks[0].secret", "короче 16"},
		{"a port past 65535 is refused", "{name: is, url: \"http://is:99999/hook\", secret: " + secret + "}", "webhooks[0].url", "порт должен быть"},
		{"a port in words is refused", "{name: is, url: \"http://is:http/hook\", secret: " + secret + "}", "webhooks[0].url", "полный адрес"},
		{"a webhook without a secret is refused", "{name: is, url: \"http://is/hook\"}", "webhooks[0].secret", "обязательное поле"},
		{"a bad name is refused", "{name: ИС, url: \"http://is/hook\", secret: " + secret + "}", "webhooks[0].name", "строчные латинские"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWith(t, after, "webhooks:\n  - "+tt.hook+"\n")
			oneProblem(t, err, tt.path, tt.contains)
		})
	}
	t.Run("a name given twice is refused", func(t *testing.T) {
		_, err := parseWith(t, after, "webhooks:\n  - {name: is, url: \"http://a/\", secret: "+secret+"}\n  - {name: is, url: \"http://b/\", secret: "+secret+"}\n")
		oneProblem(t, err, "webhooks[1].name", "уже используется")
	})
}
