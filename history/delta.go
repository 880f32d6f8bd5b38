package history

import (
	"time"

	"github.com/panos-mine/mine"
)

// counter is one rule's hit counter in one snapshot.
type counter struct {
	key      string
	uuid     string
	rule     string
	vsys     string
	position int
	action   string
	catchAll bool
	hits     uint64
	first    time.Time
	last     time.Time
	reset    time.Time
	created  time.Time
	modified time.Time
}

// ruleKey is how the history identifies a rule across snapshots: its UUID
// (PAN-OS 9.0 and later), which survives renames, or its name.
func ruleKey(uuid, name string) string {
	if uuid != "" {
		return uuid
	}
	return "name:" + name
}

// followRenames gives a counter without a UUID whose name is new since
// prev the key of the vanished UUID-less rule created at the same second:
// on devices without rule UUIDs, a rename keeps the rule's creation time.
// Matches must be unambiguous; anything else stays a new rule.
func followRenames(prev, cur []counter) {
	if len(prev) == 0 {
		return
	}
	present := make(map[string]bool, len(cur))
	for _, c := range cur {
		present[c.key] = true
	}
	inPrev := make(map[string]bool, len(prev))
	vanished := map[int64][]string{} // creation second -> keys
	for _, p := range prev {
		inPrev[p.key] = true
		if p.uuid == "" && !p.created.IsZero() && !present[p.key] {
			vanished[p.created.Unix()] = append(vanished[p.created.Unix()], p.key)
		}
	}
	candidates := map[int64][]int{}
	for i, c := range cur {
		if c.uuid == "" && !c.created.IsZero() && !inPrev[c.key] {
			candidates[c.created.Unix()] = append(candidates[c.created.Unix()], i)
		}
	}
	for ts, idx := range candidates {
		if keys := vanished[ts]; len(keys) == 1 && len(idx) == 1 {
			cur[idx[0]].key = keys[0]
		}
	}
}

// delta computes the hits a counter took between the previous snapshot
// (prev, read at since; nil when there is none) and the current one (cur,
// read at until). window is the current run's window: a counter that
// started inside it holds exactly the window's hits even without a
// previous snapshot.
func delta(prev *counter, since time.Time, cur counter, until time.Time, window mine.Window) mine.HitDelta {
	d := mine.HitDelta{RuleKey: cur.key, Rule: cur.rule, Until: until}
	if prev == nil {
		// The counter covers only the window when it has never hit, or
		// when it started (creation, reset, first hit) inside it.
		start := latest(cur.created, cur.reset)
		if cur.hits == 0 || !start.Before(window.From) || (!cur.first.IsZero() && !cur.first.Before(window.From)) {
			d.Kind, d.Hits = mine.DeltaFresh, int64(cur.hits)
			return d
		}
		d.Kind = mine.DeltaBaseline
		return d
	}
	d.Since = since
	reason := ""
	switch {
	case !cur.reset.IsZero() && cur.reset.After(prev.reset):
		reason = "last-reset-timestamp moved"
	case cur.hits < prev.hits:
		reason = "counter went down"
	case !prev.first.IsZero() && !cur.first.IsZero() && cur.first.After(prev.first):
		reason = "first-hit-timestamp moved"
	}
	if reason == "" {
		d.Kind, d.Hits = mine.DeltaCounted, int64(cur.hits-prev.hits)
		return d
	}
	// The counter restarted between the snapshots: it holds the hits since
	// the restart, and those between the previous snapshot and the restart
	// are lost. The restart is at the new last-reset time when the device
	// reports one, else before the first hit since it, else unknown.
	d.Kind, d.Hits, d.Reason = mine.DeltaReset, int64(cur.hits), reason
	gapEnd := until
	switch {
	case !cur.reset.IsZero() && cur.reset.After(since) && cur.reset.Before(until):
		gapEnd = cur.reset
	case !cur.first.IsZero() && cur.first.After(since) && cur.first.Before(until):
		gapEnd = cur.first
	}
	d.Gap = &mine.Window{From: since, To: gapEnd}
	return d
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
