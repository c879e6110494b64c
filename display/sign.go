package display

import (
	"time"

	"eq/queue"
)

// Slots of the window sign's fitted texts.
const (
	slotSignWindow = iota
	slotSignState
	slotSignTicket
	slotSignLabel
	slotOperatorName
	slotOperatorPost
)

// windowSign lays out the sign over window n: its number in a band at the
// top; the ticket called to it (blinking while called) or served at it, or
// that it is closed, on a break or free; the worker's full name and
// position at the bottom, as the regulations ask of every window.
func (l *Layouter) windowSign(s *Screen, n int, size Size, now time.Time, lang string, w *words) {
	W, H := float64(size.W), float64(size.H)
	u := unit(size)
	pad := px(3 * u)
	inner := W - 2*pad
	win, ok := s.Window(n)

	bandH := px(H * 0.28)
	l.rect(RoleSignBand, 0, Rect{0, 0, W, bandH}, ColorPanel)
	title, fs := l.textAt(slotSignWindow, l.signTitle(n, lang, w), fontPx(bandH*0.62), fontPx(bandH*0.3), inner, true)
	l.text(RoleSignWindow, 0, Rect{pad, 0, inner, bandH}, title, fs, true, ColorText, AlignCenter, true)

	mid := Rect{pad, bandH, inner, H - bandH - pad}
	if ok && win.OperatorName != "" {
		opH := px(H * 0.25)
		mid.H = H - bandH - opH
		y := H - opH
		l.rect(RoleSignBand, 1, Rect{0, y, W, opH}, ColorPanel)
		name, nfs := l.textAt(slotOperatorName, win.OperatorName, fontPx(opH*0.34), fontPx(opH*0.2), inner, true)
		nr := Rect{pad, y + px(opH*0.06), inner, px(opH * 0.46)}
		l.text(RoleOperatorName, 0, nr, name, nfs, true, ColorText, AlignCenter, true)
		if win.Position != "" {
			post, pfs := l.textAt(slotOperatorPost, win.Position, fontPx(opH*0.22), fontPx(opH*0.14), inner, false)
			l.text(RoleOperatorPost, 0, Rect{pad, nr.Bottom(), inner, px(opH * 0.36)}, post, pfs, false, ColorMuted, AlignCenter, true)
		}
	}

	t := win.Current
	switch {
	case !ok || !win.Open:
		l.signState(mid, w.closed, ColorMuted)
	case win.OnBreak:
		l.signState(mid, w.onBreak, ColorAccent)
	case t != nil && (t.Status == queue.StatusCalled || t.Status == queue.StatusServing):
		label, col, on := w.serving, ColorText, true
		if t.Status == queue.StatusCalled {
			label, col = w.calling, ColorAccent
			on = BlinkVisible(s.CallArrived(n), now, s.Blink())
		}
		lr := Rect{mid.X, mid.Y + px(mid.H*0.06), mid.W, px(mid.H * 0.2)}
		ls, lfs := l.textAt(slotSignLabel, label, fontPx(mid.H*0.13), fontPx(mid.H*0.07), mid.W, false)
		l.text(RoleSignLabel, 0, lr, ls, lfs, false, ColorMuted, AlignCenter, true)
		tr := Rect{mid.X, lr.Bottom(), mid.W, mid.Bottom() - lr.Bottom()}
		ts, tfs := l.textAt(slotSignTicket, t.Number, fontPx(tr.H*0.72), fontPx(tr.H*0.3), mid.W, true)
		l.text(RoleSignTicket, 0, tr, ts, tfs, true, col, AlignCenter, on)
	default:
		l.signState(mid, w.idle, ColorMuted)
	}
}

func (l *Layouter) signState(r Rect, text string, c Color) {
	s, fs := l.textAt(slotSignState, text, fontPx(r.H*0.26), fontPx(r.H*0.1), r.W, true)
	l.text(RoleSignState, 0, r, s, fs, true, c, AlignCenter, true)
}

// signTitle is "Окно 5", built once per window and language.
func (l *Layouter) signTitle(n int, lang string, w *words) string {
	if l.sign.text == "" || l.sign.number != n || l.sign.lang != lang {
		l.sign.number, l.sign.lang = n, lang
		l.sign.text = w.sign + " " + l.num(n)
	}
	return l.sign.text
}
