package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary run as the mine command, so tests can start
// it as a child process and kill it (kill_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("MINE_TEST_AS_CLI") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv))
	}
	os.Exit(m.Run())
}
