package configs

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong in a config file.
type Problem struct {
	Line      int    // 1-based; 0 when the problem has no place in the file
	Column    int    // 1-based; 0 when unknown
	Path      string // field path such as "services[3].prefix"; "" for the whole file
	Message   string // Russian, what staff read
	MessageEN string // English
}

// String formats p as "line: path: russian (english)", without the file name.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.MessageEN != "" {
		fmt.Fprintf(&b, " (%s)", p.MessageEN)
	}
	return b.String()
}

// ValidationError lists every problem found in one config file, in line order.
type ValidationError struct {
	File     string
	Problems []Problem
}

// Error lists the problems one per line, each as "file:line: path: russian (english)"
// so that editors and terminals can jump to the place.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			b.WriteByte(':')
		} else {
			b.WriteString(": ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}
