package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/panos-mine/mine"
)

// Limits of a combination signature's time attribute, as the PAN-OS
// configuration schema gives them (interval 1-3600 seconds, threshold
// 1-255 hits; see docs/act.md).
const (
	MaxBlockInterval  = 3600
	MaxBlockThreshold = 255
	// minBlockThreshold keeps a single 404 from ever blocking a source:
	// any client meets a missing page now and then.
	minBlockThreshold = 2
)

// BlockThreshold derives the threshold of a combination signature that
// blocks a source after so many HTTP-404 answers within interval: above
// the busiest interval of every source that is not a scanner, and at most
// the busiest interval of the slowest scanner, so that every scanner of
// the window would have been blocked and no other source would. It picks
// the middle of that range, leaving room on both sides. When no threshold
// separates them (a busy client as fast as a slow scanner, no scanner, or
// scanners that got no 404), Separable is false and Reason says why.
//
// The rates come from the window's threat logs of every rule, counted per
// second of receive time. It returns an error for an interval outside
// 1s-3600s or not whole seconds, and when the logs were folded in as
// groups (AddThreatGroup), whose seconds are unknown.
func (a *Aggregator) BlockThreshold(interval time.Duration) (mine.BlockThreshold, error) {
	if interval < time.Second || interval > MaxBlockInterval*time.Second || interval%time.Second != 0 {
		return mine.BlockThreshold{}, fmt.Errorf("interval %s: want whole seconds from 1s to %ds (the combination signature's limits)", interval, MaxBlockInterval)
	}
	if a.resolution > time.Second {
		return mine.BlockThreshold{}, fmt.Errorf("the sources' 404 answers per second are unknown: the logs were counted in buckets of %s by the device's reports; collect with --evidence full", a.resolution)
	}
	width := int64(interval / time.Second)
	bt := mine.BlockThreshold{Interval: int(width), Scanners: []mine.SourceRate{}}
	isScanner := map[string]bool{}
	for _, sc := range a.scanners() {
		isScanner[sc.Source] = true
	}
	var busiest *mine.SourceRate
	for _, src := range sortedKeys(a.sources) {
		s := a.sources[src]
		r := mine.SourceRate{Source: src, NotFound: s.notFound}
		if p, at := peak(s.notFoundAt, width); p > 0 {
			r.Peak, r.At = p, time.Unix(at, 0).UTC()
		}
		if isScanner[src] {
			bt.Scanners = append(bt.Scanners, r)
			continue
		}
		if r.Peak > 0 && (busiest == nil || r.Peak > busiest.Peak || r.Peak == busiest.Peak && compareAddr(r.Source, busiest.Source) < 0) {
			busiest = &r
		}
	}
	slices.SortStableFunc(bt.Scanners, func(x, y mine.SourceRate) int {
		if c := cmp.Compare(y.Peak, x.Peak); c != 0 {
			return c
		}
		return compareAddr(x.Source, y.Source)
	})
	bt.Busiest = busiest
	for i := len(bt.Scanners) - 1; i >= 0; i-- {
		if bt.Scanners[i].Peak > 0 {
			s := bt.Scanners[i]
			bt.Slowest = &s
			break
		}
	}
	var b int64
	who := "no other source got a 404"
	if busiest != nil {
		b = busiest.Peak
		who = fmt.Sprintf("the busiest other source, %s, got %d within %ds (at %s)", busiest.Source, b, width, ts(busiest.At))
	}
	switch {
	case len(bt.Scanners) == 0:
		bt.Reason = "no source in the window was called a scanner: there is nothing to block"
		return bt, nil
	case bt.Slowest == nil:
		bt.Reason = fmt.Sprintf("the %s got no HTTP-404 answer in the window: a 404 threshold cannot block them", count(len(bt.Scanners), "scanner", "scanners"))
		return bt, nil
	}
	s := bt.Slowest.Peak
	slow := fmt.Sprintf("the slowest scanner, %s, got %d within %ds at its busiest (at %s)", bt.Slowest.Source, s, width, ts(bt.Slowest.At))
	if b >= s {
		bt.Reason = fmt.Sprintf("%s; %s: no threshold blocks every scanner without blocking it (try a longer interval, or block the scanners by address)", slow, who)
		return bt, nil
	}
	t := b + (s-b+1)/2
	t = max(t, minBlockThreshold)
	t = min(t, MaxBlockThreshold)
	switch {
	case t > s:
		bt.Reason = fmt.Sprintf("%s; a threshold of at least %d (a single 404 never blocks) would miss it", slow, minBlockThreshold)
		return bt, nil
	case t <= b:
		bt.Reason = fmt.Sprintf("%s; %s, more than the highest threshold a combination signature takes (%d): use a shorter interval", who, slow, MaxBlockThreshold)
		return bt, nil
	}
	bt.Threshold = int(t)
	bt.Separable = true
	return bt, nil
}

// peak returns the most hits within width seconds of counts (hits per
// second) and the second that busiest stretch starts at, the earliest when
// several are as busy.
func peak(counts map[int64]int64, width int64) (best, at int64) {
	if len(counts) == 0 {
		return 0, 0
	}
	secs := make([]int64, 0, len(counts))
	for s := range counts {
		secs = append(secs, s)
	}
	slices.Sort(secs)
	var sum int64
	j := 0
	for i, start := range secs {
		for j < len(secs) && secs[j] < start+width {
			sum += counts[secs[j]]
			j++
		}
		if sum > best {
			best, at = sum, start
		}
		sum -= counts[secs[i]]
	}
	return best, at
}
