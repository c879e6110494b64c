package sound_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"eq/devices/sound"
	"eq/queue"
)

// The fragments of a call, and what the Russian bank says for them.
func ExampleCompose() {
	frags, err := sound.Compose("ru", "П012", 5, false)
	if err != nil {
		log.Fatal(err)
	}
	var words []string
	for _, f := range frags[1:] { // the chime says nothing
		w, _ := sound.Text("ru", f)
		words = append(words, w)
	}
	fmt.Println(strings.Join(frags, " "))
	fmt.Println(strings.Join(words, " "))
	// Output:
	// chime ticket letter-п num-12 window num-5
	// талон пэ двенадцать окно номер пять
}

// The hall's speakers: announce each call through aplay, one at a time.
// (Not run as a test: it needs a sound card.)
func ExampleQueue() {
	bank, err := sound.DefaultBank("ru") // or sound.LoadBank(os.DirFS("/etc/eq/voice"), "ru")
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	q := sound.NewQueue(bank)
	go q.Run(ctx, sound.Command("aplay", "-q", "-"))

	// For every call the engine publishes:
	q.Add(queue.Call{Ticket: "2025-03-03/17", Number: "П012", Window: 5, At: time.Now()}, time.Now())
}
