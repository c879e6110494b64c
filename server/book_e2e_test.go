package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The appointment page in Chromium, on a phone-sized screen, against the
// stack on its manual clock: Monday 2026-11-23 09:00 in Moscow, so that
// Tuesday the 24th is the first full day to book (see appointments_test.go
// for the demo's passport rules).

const tuesday = "2026-11-24"

// bookPage opens /book in a fresh Chromium the size of a phone and waits
// for the services.
func bookPage(t *testing.T, s *stack) context.Context {
	t.Helper()
	p := page(t)
	err := chromedp.Run(p,
		chromedp.EmulateViewport(412, 915, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(s.URL()+"/book"),
		chromedp.Poll(`document.querySelectorAll('#services button[data-service]').length > 0`, nil),
	)
	if err != nil {
		t.Fatalf("open /book: %v", err)
	}
	return p
}

// textHas waits until the element sel finds holds want in its text, read
// with no-break spaces as plain ones (the page keeps "24 ноября" together).
func textHas(sel, want string) chromedp.Action {
	return chromedp.Poll(`(document.querySelector(`+jsString(sel)+`)?.textContent ?? '').replaceAll('\u00a0', ' ').includes(`+jsString(want)+`)`, nil)
}

// tap clicks the element sel finds once it is there and enabled.
func tap(sel string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Poll(`(el => el !== null && !el.disabled && el.offsetParent !== null)(document.querySelector(`+jsString(sel)+`))`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
	}
}

// typeInto replaces what the input id holds with v, typed as a person would.
// (chromedp.SetValue cannot empty a field: it takes "" for a failure.)
func typeInto(id, v string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(`document.getElementById(`+jsString(id)+`).value = ''`, nil),
		chromedp.SendKeys("#"+id, v, chromedp.ByID),
	}
}

// shownCode waits for the confirmation and returns the code on it.
func shownCode(t *testing.T, p context.Context) string {
	t.Helper()
	var code string
	err := chromedp.Run(p,
		chromedp.WaitVisible(`#done`, chromedp.ByID),
		chromedp.Poll(`/^[0-9]{6}$/.test(document.getElementById('code').textContent)`, nil),
		chromedp.Text(`#code`, &code, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the confirmation: %v", err)
	}
	return code
}

// TestBookInChromium: a visitor switches to English and back, books the
// passport service for tomorrow 10:00 with a name and a phone (the first
// phone typed wrong), sees the code, and the staff list holds that code
// with the contacts masked; cancelling from the confirmation frees the place.
func TestBookInChromium(t *testing.T) {
	s := newStack(t)
	if sl := slotAt(t, s.slots(t, "passport", tuesday), at(1, 10, 0)); sl.Free != 2 {
		t.Fatalf("10:00 has %d free before the page books, want 2", sl.Free)
	}
	p := bookPage(t, s)

	t.Run("the English switch changes the texts", func(t *testing.T) {
		err := chromedp.Run(p,
			textIs("serviceTitle", "Запись на приём: выберите услугу"),
			textHas(`#services button[data-service="passport"]`, "Паспорт гражданина РФ"),
			click("lang"),
			textIs("serviceTitle", "Book an appointment: choose a service"),
			textHas(`#services button[data-service="passport"]`, "Russian internal passport"),
			textIs("lang", "Русский"),
			chromedp.Poll(`document.documentElement.lang === 'en'`, nil),
			tap(`#services button[data-service="passport"]`),
			textHas(`#days button[data-date="`+tuesday+`"]`, "24 November"),
			textHas(`#days button[data-date="`+tuesday+`"]`, "Tuesday"),
			click("lang"),
			textHas(`#days button[data-date="`+tuesday+`"]`, "24 ноября"),
			textHas(`#days button[data-date="`+tuesday+`"]`, "вторник"),
			textIs("dayTitle", "Выберите день"),
			chromedp.Poll(`document.documentElement.lang === 'ru'`, nil),
			tap(`#stepDay button.back`),
			chromedp.WaitVisible(`#stepService`, chromedp.ByID),
		)
		if err != nil {
			t.Fatal(err)
		}
	})

	var code string
	t.Run("booking shows the code the staff list holds", func(t *testing.T) {
		err := chromedp.Run(p,
			tap(`#services button[data-service="passport"]`),
			tap(`#days button[data-date="`+tuesday+`"]`),
			textHas(`#slots button[data-time="10:00"]`, "мест: 2"),
			tap(`#slots button[data-time="10:00"]`),
			chromedp.WaitVisible(`#bookForm`, chromedp.ByID),
			textHas("#summary", "Паспорт гражданина РФ"),
			textHas("#summary", "10:00–10:15"),
			typeInto("name", "Иван Петров"),
			typeInto("phone", "12-34"),
			click("confirm"),
			textHas("#phoneError", "телефон"),
			chromedp.Poll(`document.getElementById('phone').getAttribute('aria-invalid') === 'true'`, nil),
			typeInto("phone", "+7 912 345-67-89"),
			click("confirm"),
		)
		if err != nil {
			t.Fatalf("book through the page: %v", err)
		}
		code = shownCode(t, p)
		var facts string
		if err := chromedp.Run(p, chromedp.Text(`#confirmation`, &facts, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		saveScreenshot(t, p, "book.png")
		facts = strings.ReplaceAll(facts, "\u00a0", " ")
		for _, want := range []string{"Паспорт гражданина РФ", "24 ноября 2026", "10:00–10:15", "с 09:45 до 10:10", "паспорт", "Хамовники", "Иван Петров", "+7 912 345-67-89"} {
			if !strings.Contains(facts, want) {
				t.Errorf("the confirmation does not say %q:\n%s", want, facts)
			}
		}

		staff := s.signIn(t, "manager")
		var at10 []appointmentJSON
		for _, a := range s.appointments(t, staff, tuesday) {
			if a.Start.Equal(at(1, 10, 0)) {
				at10 = append(at10, a)
			}
		}
		if len(at10) != 1 || at10[0].Code != code || at10[0].Source != "web" {
			t.Fatalf("the staff list at 10:00 = %+v, want the one web booking with the code %s the page shows", at10, code)
		}
		if at10[0].Name != "И*** П***" || at10[0].Phone != "+7 *** ***-**-89" {
			t.Errorf("the staff list shows %q %q, want the name and phone masked", at10[0].Name, at10[0].Phone)
		}
		if sl := slotAt(t, s.slots(t, "passport", tuesday), at(1, 10, 0)); sl.Free != 1 {
			t.Errorf("10:00 has %d free after the booking, want 1", sl.Free)
		}
	})
	if code == "" {
		t.FailNow()
	}

	t.Run("cancelling from the confirmation frees the place", func(t *testing.T) {
		err := chromedp.Run(p,
			click("cancelThis"),
			chromedp.WaitVisible(`#found`, chromedp.ByID),
			textHas("#foundFacts", "действует"),
			click("cancelBtn"),
			textHas("#cancelDone", "Запись "+code+" отменена"),
			textHas("#foundFacts", "отменена"),
			chromedp.Poll(`document.getElementById('cancelBtn').hidden`, nil),
		)
		if err != nil {
			t.Fatal(err)
		}
		if sl := slotAt(t, s.slots(t, "passport", tuesday), at(1, 10, 0)); sl.Free != 2 {
			t.Errorf("10:00 has %d free after the cancel, want 2", sl.Free)
		}
	})
}

// TestBookFullSlotInChromium: the last place of the chosen slot goes to
// someone else while the visitor fills in the form; confirming says so,
// shows fresh slots with that one full, and the visitor books another time
// without typing the name again.
func TestBookFullSlotInChromium(t *testing.T) {
	s := newStack(t)
	other := s.anon()
	other.book(t, "passport", at(1, 10, 30), "")
	p := bookPage(t, s)

	err := chromedp.Run(p,
		tap(`#services button[data-service="passport"]`),
		tap(`#days button[data-date="`+tuesday+`"]`),
		textHas(`#slots button[data-time="10:30"]`, "мест: 1"),
		tap(`#slots button[data-time="10:30"]`),
		chromedp.WaitVisible(`#bookForm`, chromedp.ByID),
		typeInto("name", "Анна"),
	)
	if err != nil {
		t.Fatal(err)
	}
	other.book(t, "passport", at(1, 10, 30), "") // the last place, meanwhile

	var msg, name string
	err = chromedp.Run(p,
		click("confirm"),
		chromedp.WaitVisible(`#stepSlot`, chromedp.ByID),
		textHas("#slotMessage", "мест не осталось"),
		chromedp.Text("#slotMessage", &msg, chromedp.ByID),
		chromedp.Poll(`document.querySelector('#slots button[data-time="10:30"]').disabled`, nil),
		textHas(`#slots button[data-time="10:30"]`, "мест нет"),
		textHas(`#slots button[data-time="10:45"]`, "мест: 2"),
		chromedp.Poll(`document.getElementById('done').hidden`, nil),
	)
	if err != nil {
		t.Fatalf("a full slot on confirming: %v", err)
	}
	if !strings.Contains(msg, "10:30") || !strings.Contains(msg, "другое время") {
		t.Errorf("the message %q does not name the time and say to choose another", msg)
	}

	err = chromedp.Run(p,
		tap(`#slots button[data-time="10:45"]`),
		chromedp.WaitVisible(`#bookForm`, chromedp.ByID),
		chromedp.Value("#name", &name, chromedp.ByID),
		click("confirm"),
	)
	if err != nil {
		t.Fatalf("book another time: %v", err)
	}
	code := shownCode(t, p)
	if name != "Анна" {
		t.Errorf("the form lost the name: %q", name)
	}
	var a appointmentJSON
	s.signIn(t, "manager").get(t, "/api/v1/appointments/"+code).decode(t, http.StatusOK, &a)
	if !a.Start.Equal(at(1, 10, 45)) || a.Name != "А***" {
		t.Errorf("the booking made after the refusal = %+v, want 10:45 for А***", a)
	}
	if sl := slotAt(t, s.slots(t, "passport", tuesday), at(1, 10, 30)); sl.Free != 0 {
		t.Errorf("10:30 has %d free, want 0: the page must not overbook", sl.Free)
	}
}

// TestBookCancelInChromium: a visitor types the code of a booking made
// elsewhere and cancels it; a malformed code and an unknown one are told
// apart before that.
func TestBookCancelInChromium(t *testing.T) {
	s := newStack(t)
	a := s.anon().book(t, "passport", at(1, 11, 0), `,"name":"Мария"`)
	p := bookPage(t, s)

	err := chromedp.Run(p,
		click("toCancel"),
		chromedp.WaitVisible(`#cancelCode`, chromedp.ByID),
		typeInto("cancelCode", "12"),
		click("find"),
		textHas("#cancelError", "6 цифр"),
		typeInto("cancelCode", "000000"),
		click("find"),
		textHas("#cancelError", "не найдена"),
		typeInto("cancelCode", a.Code),
		click("find"),
		chromedp.WaitVisible(`#found`, chromedp.ByID),
		textHas("#foundFacts", "11:00–11:15"),
		textHas("#foundFacts", "действует"),
		chromedp.Poll(`document.getElementById('cancelError').textContent === ''`, nil),
		click("cancelBtn"),
		textHas("#cancelDone", "место освобождено"),
	)
	if err != nil {
		t.Fatalf("cancel by code: %v", err)
	}
	var got appointmentJSON
	s.anon().get(t, "/api/v1/appointments/"+a.Code).decode(t, http.StatusOK, &got)
	if got.Status != "cancelled" {
		t.Errorf("the booking is %s after the page cancelled it, want cancelled", got.Status)
	}
	if sl := slotAt(t, s.slots(t, "passport", tuesday), at(1, 11, 0)); sl.Free != 2 {
		t.Errorf("11:00 has %d free after the cancel, want 2", sl.Free)
	}
}
