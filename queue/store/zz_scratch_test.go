package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"eq/queue"
)

func scratchBodies(b *testing.B) [][]byte {
	var out [][]byte
	err := simulate(benchOffice(), func(ev queue.Event) error {
		buf, _ := json.Marshal(&ev)
		out = append(out, buf)
		if len(out) == 100000 {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
	return out
}

func BenchmarkZUnmarshalFresh(b *testing.B) {
	bodies := scratchBodies(b)
	b.Logf("sample: %s", bodies[50])
	b.ReportAllocs()
	for b.Loop() {
		for _, body := range bodies {
			var ev queue.Event
			if err := json.Unmarshal(body, &ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bodies)), "ns/event")
}

func BenchmarkZUnmarshalReuse(b *testing.B) {
	bodies := scratchBodies(b)
	b.ReportAllocs()
	var ev queue.Event
	for b.Loop() {
		for _, body := range bodies {
			ev = queue.Event{}
			if err := json.Unmarshal(body, &ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bodies)), "ns/event")
}

type swapReader struct{ b []byte }

func (r *swapReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func BenchmarkZDecoder(b *testing.B) {
	bodies := scratchBodies(b)
	b.ReportAllocs()
	var ev queue.Event
	var r swapReader
	dec := json.NewDecoder(&r)
	for b.Loop() {
		for _, body := range bodies {
			r.b = body
			ev = queue.Event{}
			if err := dec.Decode(&ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bodies)), "ns/event")
	_ = bytes.MinRead
}
