package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/panos-mine/mine/panosim"
)

// serveSim serves a simulator with a day of traffic (no signatures) over
// HTTPS and returns it with the path of its certificate.
func serveSim(t *testing.T, seed int64) (*simHost, string) {
	t.Helper()
	sim := panosim.New(panosim.Options{Seed: seed, Start: time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second), PollsBeforeFinish: 1})
	sim.Advance(24 * time.Hour)
	h, err := startSim(sim, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.close() })
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, h.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return h, cert
}
