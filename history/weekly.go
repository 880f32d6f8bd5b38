package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/panos-mine/mine"
)

// Preview returns the hit deltas snap would be stored with, counted
// against the runs stored now (the run it would replace left out). It
// writes nothing.
func (s *Store) Preview(ctx context.Context, snap *mine.Snapshot) ([]mine.HitDelta, error) {
	if err := checkSnapshot(snap); err != nil {
		return nil, fmt.Errorf("preview run: %w", err)
	}
	ds, _, err := s.preview(ctx, snap)
	if err != nil {
		return nil, fmt.Errorf("preview run of %s for %s: %w", snap.Target, snap.Window, err)
	}
	return ds, nil
}

// preview computes snap's deltas and returns them with the id of the run
// snap would replace (0 for none).
func (s *Store) preview(ctx context.Context, snap *mine.Snapshot) ([]mine.HitDelta, int64, error) {
	var replaced int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM runs WHERE target = ? AND window_from = ? AND window_to = ?`,
		snap.Target, ts(snap.Window.From), ts(snap.Window.To)).Scan(&replaced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, err
	}
	bySerial, err := counters(snap)
	if err != nil {
		return nil, 0, err
	}
	serials := make([]string, 0, len(bySerial))
	for serial := range bySerial {
		serials = append(serials, serial)
	}
	slices.Sort(serials)
	var out []mine.HitDelta
	for _, serial := range serials {
		cur := bySerial[serial]
		_, prevAt, prev, err := predecessor(ctx, s.db, snap.Target, serial, 0, replaced, snap.Collected)
		if err != nil {
			return nil, 0, err
		}
		followRenames(prev, cur)
		byKey := make(map[string]*counter, len(prev))
		for i := range prev {
			byKey[prev[i].key] = &prev[i]
		}
		for _, c := range cur {
			p := byKey[c.key]
			since := time.Time{}
			if p != nil {
				since = prevAt
			}
			d := delta(p, since, c, snap.Collected, snap.Window)
			d.Serial = serial
			out = append(out, d)
		}
	}
	return out, replaced, nil
}

// WeeklyHits returns the weekly use of snap's catch-all rules, as the
// readiness verdict reads it: one entry per catch-all rule for each stored
// run of the target read before snap (the run snap would replace left
// out), and one for snap itself last. Rules are named as in snap, renames
// followed. Hits is the hit counter's growth over all devices, 0 when it is
// unknown (a first snapshot of an old counter); Reset says a counter
// restarted; Sessions counts ordinary clients' sessions. Runs that did not
// record the sessions (stored without traffic logs) are left out rather
// than counted as idle weeks.
func (s *Store) WeeklyHits(ctx context.Context, snap *mine.Snapshot) ([]mine.WeeklyHits, error) {
	if err := checkSnapshot(snap); err != nil {
		return nil, fmt.Errorf("weekly hits: %w", err)
	}
	out, err := s.weeklyHits(ctx, snap)
	if err != nil {
		return nil, fmt.Errorf("weekly hits of %s: %w", snap.Target, err)
	}
	return out, nil
}

func (s *Store) weeklyHits(ctx context.Context, snap *mine.Snapshot) ([]mine.WeeklyHits, error) {
	ds, replaced, err := s.preview(ctx, snap)
	if err != nil {
		return nil, err
	}
	keys := ruleKeys(snap)
	for _, d := range ds {
		if d.Serial == snap.Device.Serial {
			keys[d.Rule] = d.RuleKey
		}
	}
	var out []mine.WeeklyHits
	for _, name := range snap.Report.CatchAll {
		key := keys[name]
		rows, err := s.db.QueryContext(ctx, `SELECT r.window_from, s.sessions,
			(SELECT coalesce(sum(d.hits), 0) FROM rule_deltas d WHERE d.run_id = r.id AND d.rule_key = s.rule_key),
			(SELECT count(*) FROM rule_deltas d WHERE d.run_id = r.id AND d.rule_key = s.rule_key AND d.kind = 'reset')
			FROM runs r JOIN rule_sessions s ON s.run_id = r.id AND s.rule_key = ?
			WHERE r.target = ? AND r.id != ? AND r.collected_at <= ?
			ORDER BY r.collected_at, r.id`, key, snap.Target, replaced, ts(snap.Collected))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var from string
			var w mine.WeeklyHits
			var hits int64
			var resets int
			if err := rows.Scan(&from, &w.Sessions, &hits, &resets); err != nil {
				rows.Close()
				return nil, err
			}
			if w.Week, err = parseTime(from); err != nil {
				rows.Close()
				return nil, err
			}
			w.Rule, w.Hits, w.Reset = name, uint64(max(hits, 0)), resets > 0
			out = append(out, w)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		sessions, ok := snap.ClientSessions[name]
		if !ok {
			continue
		}
		cur := mine.WeeklyHits{Rule: name, Week: snap.Window.From.UTC(), Sessions: sessions}
		for _, d := range ds {
			if d.RuleKey == key {
				if d.Known() {
					cur.Hits += uint64(max(d.Hits, 0))
				}
				cur.Reset = cur.Reset || d.Kind == mine.DeltaReset
			}
		}
		out = append(out, cur)
	}
	return out, nil
}
