//go:build !race

package display_test

const raceEnabled = false
