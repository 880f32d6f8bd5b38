package mine

import (
	"fmt"
	"time"
)

// Window is a closed observation interval [From, To]. Both ends are kept in
// UTC; rendering them in a device's time zone is the collector's job.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// NewWindow returns the window of length d that ends at end, in UTC, with
// both ends truncated to whole seconds (PAN-OS log times have one-second
// resolution).
func NewWindow(end time.Time, d time.Duration) Window {
	end = end.UTC().Truncate(time.Second)
	return Window{From: end.Add(-d), To: end}
}

// Duration returns the length of the window.
func (w Window) Duration() time.Duration { return w.To.Sub(w.From) }

// Contains reports whether t lies inside the closed window.
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.From) && !t.After(w.To)
}

// Validate returns an error when the window is empty or reversed.
func (w Window) Validate() error {
	if w.From.IsZero() || w.To.IsZero() {
		return fmt.Errorf("window has an unset end: %s", w)
	}
	if !w.To.After(w.From) {
		return fmt.Errorf("window ends before it starts: %s", w)
	}
	return nil
}

// String renders the window in RFC 3339, UTC.
func (w Window) String() string {
	return w.From.UTC().Format(time.RFC3339) + "/" + w.To.UTC().Format(time.RFC3339)
}

// ParseSince parses a look-back duration as users write it: "7d", "36h",
// "90m", "2w", or any Go duration. Days and weeks are 24h and 168h.
func ParseSince(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	unit := s[len(s)-1]
	if unit == 'd' || unit == 'w' {
		var n int
		if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != s[:len(s)-1] {
			return 0, fmt.Errorf("invalid duration %q: want a positive whole number of days (7d) or weeks (2w), or a Go duration (36h)", s)
		}
		day := 24 * time.Hour
		if unit == 'w' {
			day *= 7
		}
		return time.Duration(n) * day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid duration %q: want 7d, 2w, 36h or 90m", s)
	}
	return d, nil
}
