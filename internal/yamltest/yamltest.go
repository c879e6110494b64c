// Package yamltest holds what the fuzz tests of the YAML readers (office
// configs, day specs) check their parsers against, computed independently
// of those parsers.
package yamltest

import (
	"bytes"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// Documents counts the YAML documents in data that hold something; one
// that cannot be read counts too.
func Documents(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var d yaml.Node
		err := dec.Decode(&d)
		switch {
		case errors.Is(err, io.EOF):
			return n
		case err != nil:
			return n + 1
		case len(d.Content) > 0 && d.Content[0].ShortTag() != "!!null":
			n++
		}
	}
}
