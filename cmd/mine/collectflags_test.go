package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
)

func TestWindowEnd(t *testing.T) {
	now := time.Date(2026, 11, 27, 18, 42, 7, 0, time.FixedZone("x", 3600))
	got, err := windowEnd("", now)
	if want := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("windowEnd(\"\", %v) = %v, %v; want %v UTC", now, got, err, want)
	}
	got, err = windowEnd("2026-11-23T00:00:00+01:00", now)
	if want := time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("windowEnd(explicit) = %v, %v; want %v", got, err, want)
	}
}

func TestParseFaults(t *testing.T) {
	f, err := parseFaults("reset=29, 503=31,timeout=37,truncate=5")
	if err != nil || f.ResetEvery != 29 || f.HTTP503Every != 31 || f.SessionTimeoutEvery != 37 || f.TruncateEvery != 5 {
		t.Errorf("parseFaults = %+v, %v", f, err)
	}
	for _, bad := range []string{"reset", "reset=0", "boom=3", "503=-1"} {
		if _, err := parseFaults(bad); err == nil {
			t.Errorf("parseFaults(%q) = nil error; want an error", bad)
		}
	}
	var zero panosim.Faults
	if f, _ := parseFaults(""); f.ResetEvery != zero.ResetEvery || f.TruncateEvery != 0 {
		t.Errorf("parseFaults(\"\") = %+v; want no faults", f)
	}
}

// The bar draws slices, entries and an estimate, and ends its line when
// the collection is complete.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	clock := t0
	p := newProgressBar(&b, func() time.Time { return clock })
	p.update(collect.Progress{LogType: "threat", Entries: 0, SlicesDone: 0, Slices: 4})
	clock = t0.Add(10 * time.Second)
	p.update(collect.Progress{LogType: "threat", Entries: 5000, SlicesDone: 1, Slices: 4})
	clock = t0.Add(40 * time.Second)
	p.update(collect.Progress{LogType: "threat", Entries: 20000, SlicesDone: 4, Slices: 4})
	out := b.String()
	for _, want := range []string{"1/4 slices", "5000 logs", "500/s", "ETA 0:30", "4/4 slices", "[########################]"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("progress output does not end its line when done: %q", out)
	}
}
