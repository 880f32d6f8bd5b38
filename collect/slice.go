package collect

import (
	"time"

	"github.com/panos-mine/mine"
)

// slice is one closed time slice [from, to] of a window, whole seconds.
type slice struct{ from, to time.Time }

// planSlices cuts the window into back-to-back slices of length n; the
// last may be shorter. Slices do not overlap: each ends a second before
// the next starts, since log times have one-second resolution. A slice
// also ends where loc changes its offset (a daylight-saving change), so
// that each slice's wall clock range maps to UTC one to one: the wall
// clock of a fall-back's repeated hour belongs to two slices, whose
// entries are told apart by their UTC time.
func planSlices(w mine.Window, n time.Duration, loc *time.Location) []slice {
	from, to := w.From.Truncate(time.Second), w.To.Truncate(time.Second)
	if n < time.Second {
		n = to.Sub(from) + time.Second
	}
	if loc == nil {
		loc = time.UTC
	}
	cuts := transitions(from, to, loc)
	var out []slice
	for start := from; !start.After(to); {
		end := start.Add(n).Add(-time.Second)
		if end.After(to) {
			end = to
		}
		for len(cuts) > 0 && !cuts[0].After(start) {
			cuts = cuts[1:]
		}
		if len(cuts) > 0 && !cuts[0].After(end) {
			end = cuts[0].Add(-time.Second)
		}
		out = append(out, slice{start, end})
		start = end.Add(time.Second)
	}
	return out
}

// transitions returns the instants in (from, to] at which loc's offset
// changes, to the second: the zone is probed every hour and each change
// narrowed down by bisection.
func transitions(from, to time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	prev, prevOff := from, offsetAt(loc, from)
	for t := from.Add(time.Hour); ; t = t.Add(time.Hour) {
		if t.After(to) {
			t = to
		}
		if off := offsetAt(loc, t); off != prevOff {
			lo, hi := prev, t // offset(lo) = prevOff, offset(hi) != prevOff
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if mid.Equal(lo) {
					mid = lo.Add(time.Second)
				}
				if offsetAt(loc, mid) == prevOff {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, hi)
			prevOff = off
		}
		if !t.Before(to) {
			return out
		}
		prev = t
	}
}
