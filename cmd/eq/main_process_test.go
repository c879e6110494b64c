package main

import (
	"os"
	"testing"
)

// runMainEnv, set to 1 in a child's environment, makes the test binary run
// the program instead of the tests: the crash tests start `eq serve` as a
// real process by executing their own binary again. The child is then the
// very build under test — with the race detector when the tests have it —
// and needs no compiler at test time.
const runMainEnv = "EQ_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}
