//go:build race

package display_test

const raceEnabled = true
