// Package kiosk is the visitor's touch terminal: its web page (embedded, run
// in Chromium kiosk mode) and the printing of its paper tickets.
package kiosk

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed web
var web embed.FS

// Handler serves the kiosk page at /kiosk and its assets under /kiosk/.
// The page signs its API calls with the kiosk token from its own URL
// (/kiosk?token=…), which is how the kiosk PC's browser is started.
func Handler() http.Handler {
	assets, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	files := http.StripPrefix("/kiosk/", http.FileServerFS(assets))
	page, err := fs.ReadFile(assets, "kiosk.html")
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/kiosk" || r.URL.Path == "/kiosk/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(page)
			return
		}
		files.ServeHTTP(w, r)
	})
}
