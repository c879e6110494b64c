package yamltest_test

import (
	"testing"

	"eq/internal/yamltest"
)

func TestDocuments(t *testing.T) {
	for _, tt := range []struct {
		name, data string
		want       int
	}{
		{"nothing", "", 0},
		{"one", "a: 1\n", 1},
		{"one with a trailing empty document", "a: 1\n---\n", 1},
		{"two", "a: 1\n---\nb: 2\n", 2},
		{"a null document does not count", "a: 1\n--- ~\n", 1},
		{"an unreadable second document counts", "a: 1\n---\nb: [\n", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := yamltest.Documents([]byte(tt.data)); got != tt.want {
				t.Errorf("Documents(%q) = %d, want %d", tt.data, got, tt.want)
			}
		})
	}
}
