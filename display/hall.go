package display

import (
	"math"
	"time"
)

// hall lays out the hall board: a header with the office, the date and the
// clock; the calls; the queues; the running text along the bottom. In
// landscape the queues stand beside the calls, in portrait below them.
func (l *Layouter) hall(s *Screen, size Size, now time.Time, lang string, w *words) {
	u := unit(size)
	W, H := float64(size.W), float64(size.H)
	pad := px(2 * u)
	headerH := px(11 * u)
	if size.Portrait() {
		headerH = px(14 * u)
	}
	footerH := px(8.5 * u)

	l.now(s.State.Timezone, now, lang, w)
	l.header(s, W, headerH, pad, u, lang, size.Portrait())

	top, bottom := headerH+pad, H-footerH-pad
	var calls, queues Rect
	if size.Portrait() {
		// The calls take about half, cut to whole rows; the queues the rest.
		_, first, rh := callRows(u)
		fixed := callsFixed(u)
		rows := max(0, math.Floor(((bottom-top-pad)*0.56-fixed-first)/rh))
		ch := fixed + first + rows*rh
		calls = Rect{pad, top, W - 2*pad, ch}
		queues = Rect{pad, top + ch + pad, W - 2*pad, bottom - top - ch - pad}
	} else {
		cw := px((W - 3*pad) * 0.46)
		calls = Rect{pad, top, cw, bottom - top}
		queues = Rect{2*pad + cw, top, W - 3*pad - cw, bottom - top}
	}
	l.calls(s, calls, now, u, w)
	l.queues(s, queues, u, lang, w)
	l.ticker(s, Rect{0, H - footerH, W, footerH}, now, u, lang)
}

// header is the office's name, the date and the clock. In landscape the
// date stands in two lines beside the clock; in portrait, where the width
// is short, it goes under the name.
func (l *Layouter) header(s *Screen, W, h, pad, u float64, lang string, portrait bool) {
	l.rect(RoleHeader, 0, Rect{0, 0, W, h}, ColorPanel)
	cs := fontPx(7.5 * u)
	cw := l.width("00:00", cs, true)
	clock := Rect{W - pad - cw, 0, cw, h}
	l.text(RoleClock, 0, clock, l.clock, cs, true, ColorText, AlignRight, true)

	ds := fontPx(3.2 * u)
	office := pick(s.State.Office, lang)
	if portrait {
		maxW := clock.X - 3*pad
		name, fs := l.fit(&l.office, office, fontPx(4.2*u), fontPx(2.8*u), maxW, true)
		l.text(RoleOffice, 0, Rect{pad, px(h * 0.1), maxW, px(h * 0.44)}, name, fs, true, ColorText, AlignLeft, true)
		ww := l.width(l.weekday, ds, false)
		gap := l.width(" ", ds, false)
		l.text(RoleWeekday, 0, Rect{pad, px(h * 0.54), ww, px(h * 0.36)}, l.weekday, ds, false, ColorMuted, AlignLeft, true)
		l.text(RoleDate, 0, Rect{pad + ww + gap, px(h * 0.54), l.width(l.date, ds, false), px(h * 0.36)}, l.date, ds, false, ColorText, AlignLeft, true)
		return
	}
	dw := max(l.width(l.date, ds, false), l.width(l.weekday, ds, false))
	dx := clock.X - px(3*u) - dw
	l.text(RoleWeekday, 0, Rect{dx, px(h * 0.14), dw, px(h * 0.36)}, l.weekday, ds, false, ColorMuted, AlignRight, true)
	l.text(RoleDate, 0, Rect{dx, px(h * 0.5), dw, px(h * 0.36)}, l.date, ds, false, ColorText, AlignRight, true)

	maxW := dx - 2*pad
	name, fs := l.fit(&l.office, office, fontPx(4.6*u), fontPx(3*u), maxW, true)
	l.text(RoleOffice, 0, Rect{pad, 0, maxW, h}, name, fs, true, ColorText, AlignLeft, true)
}

// calls lays out the calls, newest at the top and large, then as many as
// fit; the rest are not shown.
func (l *Layouter) calls(s *Screen, p Rect, now time.Time, u float64, w *words) {
	l.rect(RoleCallsPanel, 0, p, ColorPanel)
	ip := px(2 * u)
	inner := p.W - 2*ip
	// Columns: ticket | arrow | window.
	tc := Rect{X: p.X + ip, W: px(inner * 0.5)}
	ac := Rect{X: tc.Right(), W: px(inner * 0.15)}
	wc := Rect{X: ac.Right(), W: p.Right() - ip - ac.Right()}

	hh, first, rh := callRows(u)
	hs := fontPx(3.6 * u)
	y := p.Y
	l.text(RoleCallsHeading, 0, Rect{tc.X, y, tc.W, hh}, w.ticket, hs, false, ColorMuted, AlignCenter, true)
	l.text(RoleCallsHeading, 1, Rect{wc.X, y, wc.W, hh}, w.window, hs, false, ColorMuted, AlignCenter, true)
	y += hh

	// As many rows as the panel holds, whatever the number of calls; what
	// is left over is shared among the small rows.
	avail := p.Bottom() - ip - y
	first = min(first, avail)
	rows := 0
	if avail > 0 && rh > 0 {
		rows = 1 + int((avail-first)/rh)
	}
	if rows > 1 {
		rh = math.Floor(rh + (avail-first-float64(rows-1)*rh)/float64(rows-1))
	}
	n := min(rows, len(s.Calls))
	blink := s.Blink()
	line := max(1, px(0.3*u))
	for i := range n {
		c := &s.Calls[i]
		h, fs, col := rh, fontPx(7.2*u), ColorText
		if i == 0 {
			h, fs, col = first, fontPx(13.5*u), ColorAccent
		}
		fs = min(fs, fontPx(h*0.8))
		// A ticket number is short, but the panel may be narrow; keep a
		// margin so that the number does not run into the arrow.
		if tw, maxW := l.width(c.Number, fs, true), math.Floor(tc.W*0.9); tw > maxW {
			fs = math.Floor(fs * maxW / tw)
		}
		l.rect(RoleCallRow, i, Rect{p.X + ip, y, inner, line}, ColorBackground)
		on := BlinkVisible(c.Arrived, now, blink)
		l.text(RoleCallTicket, i, Rect{tc.X, y, tc.W, h}, c.Number, fs, true, col, AlignCenter, on)
		// The arrow only leads the eye: smaller, it leaves the numbers room.
		l.text(RoleCallArrow, i, Rect{ac.X, y, ac.W, h}, "→", fontPx(fs*0.8), true, col, AlignCenter, on)
		l.text(RoleCallWindow, i, Rect{wc.X, y, wc.W, h}, l.num(c.Window), fs, true, col, AlignCenter, on)
		y += h
	}
}

// callRows are the heights of the calls' heading, first row and other rows.
func callRows(u float64) (heading, first, row float64) {
	return px(7 * u), px(20 * u), px(10 * u)
}

// callsFixed is the calls panel's height besides its rows.
func callsFixed(u float64) float64 {
	heading, _, _ := callRows(u)
	return heading + px(2*u)
}

// queues lays out the services: prefix, name, how many wait and how long a
// new ticket would wait, in the alert colour when over the target. When
// not all fit, services nobody waits for make room for those with a queue.
func (l *Layouter) queues(s *Screen, p Rect, u float64, lang string, w *words) {
	l.rect(RoleServicesPanel, 0, p, ColorPanel)
	ip := px(2 * u)
	x0, x1 := p.X+ip, p.Right()-ip
	wait := Rect{X: x1 - px(16*u), W: px(16 * u)}
	count := Rect{X: wait.X - px(12*u), W: px(10 * u)}
	prefix := Rect{X: x0, W: px(6 * u)}
	name := Rect{X: prefix.Right(), W: count.X - px(u) - prefix.Right()}

	hh := px(7 * u)
	hs := fontPx(3.2 * u)
	y := p.Y
	l.text(RoleServiceHead, 0, Rect{name.X, y, name.W, hh}, w.service, hs, false, ColorMuted, AlignLeft, true)
	l.text(RoleServiceHead, 1, Rect{count.X, y, count.W, hh}, w.waiting, hs, false, ColorMuted, AlignCenter, true)
	l.text(RoleServiceHead, 2, Rect{wait.X, y, wait.W, hh}, w.wait, hs, false, ColorMuted, AlignRight, true)
	y += hh

	svcs := s.State.Services
	avail := p.Bottom() - ip - y
	if len(svcs) == 0 || avail <= 0 {
		return
	}
	rh := math.Floor(min(max(avail/float64(len(svcs)), 5*u), 8.5*u))
	n := min(int(avail/rh), len(svcs))
	if n <= 0 {
		return
	}
	busy := 0
	for i := range svcs {
		if svcs[i].Waiting > 0 {
			busy++
		}
	}
	idle := max(n-busy, 0) // services with nobody waiting that still fit
	fs := fontPx(min(rh*0.55, 4.2*u))
	line := max(1, px(0.25*u))
	for len(l.services) < n {
		l.services = append(l.services, serviceRow{})
	}
	row := 0
	for i := range svcs {
		if row == n {
			break
		}
		v := &svcs[i]
		if v.Waiting == 0 {
			if idle == 0 {
				continue
			}
			idle--
		}
		c := &l.services[row]
		if row > 0 {
			l.rect(RoleServiceRow, row, Rect{x0, y, x1 - x0, line}, ColorBackground)
		}
		col := ColorText
		if v.OverTarget {
			col = ColorAlert
			l.rect(RoleServiceAlert, row, Rect{p.X, y + px(rh*0.15), px(0.8 * u), px(rh * 0.7)}, ColorAlert)
		}
		l.text(RoleServicePrefix, row, Rect{prefix.X, y, prefix.W, rh}, v.Prefix, fs, true, ColorAccent, AlignLeft, true)
		nm, nfs := l.fit(&c.name, pick(v.Name, lang), fs, fontPx(fs*0.7), name.W, false)
		l.text(RoleServiceName, row, Rect{name.X, y, name.W, rh}, nm, nfs, false, ColorText, AlignLeft, true)
		l.text(RoleServiceCount, row, Rect{count.X, y, count.W, rh}, l.num(v.Waiting), fs, true, col, AlignCenter, true)
		l.text(RoleServiceWait, row, Rect{wait.X, y, wait.W, rh}, l.waitText(c, v.Waiting, v.PredictedWaitS, lang, w), fs, false, col, AlignRight, true)
		y += rh
		row++
	}
}

// waitText is "≈N мин", or a dash when nobody waits.
func (l *Layouter) waitText(c *serviceRow, waiting, predictedS int, lang string, w *words) string {
	minutes := -1
	if waiting > 0 {
		minutes = max((predictedS+59)/60, 1)
	}
	if c.wait != "" && c.minutes == minutes && c.lang == lang {
		return c.wait
	}
	c.minutes, c.lang = minutes, lang
	if minutes < 0 {
		c.wait = w.none
	} else {
		c.wait = "≈" + l.num(minutes) + " " + w.minutes
	}
	return c.wait
}

// ticker lays out the running text: it enters at the right edge and moves
// left at a steady pace, starting again when it has left. Its place is a
// function of now alone, so every display shows the same.
func (l *Layouter) ticker(s *Screen, band Rect, now time.Time, u float64, lang string) {
	l.rect(RoleTickerBand, 0, band, ColorPanel)
	text := pick(s.State.Settings.RunningText, lang)
	if text == "" {
		return
	}
	fs := fontPx(4.8 * u)
	t := &l.running
	if t.text != text || t.size != fs {
		t.text, t.size, t.width = text, fs, l.measure(text, fs, false)
	}
	x := band.W - TickerOffset(band.W, t.width, TickerSpeed(fs), now)
	l.text(RoleTicker, 0, Rect{x, band.Y, t.width, band.H}, text, fs, false, ColorText, AlignLeft, true)
}

// TickerSpeed is how fast a running text of font size fs moves, in pixels a
// second: three and a half letter heights a second reads easily.
func TickerSpeed(fs float64) float64 { return 3.5 * fs }

// TickerOffset is how far the running text of width tw has moved left from
// the right edge of a band of width bw at now: from 0 to bw+tw, then again.
func TickerOffset(bw, tw, speed float64, now time.Time) float64 {
	period := int64((bw + tw) / speed * 1e9)
	if period <= 0 {
		return 0
	}
	r := now.UnixNano() % period
	if r < 0 {
		r += period
	}
	return float64(r) / 1e9 * speed
}
