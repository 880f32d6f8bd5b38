package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/panos-mine/mine"
)

// Saved describes a stored run.
type Saved struct {
	RunID int64
	// Replaced is true when an earlier run of the same target and window
	// was replaced.
	Replaced bool
	// Point is the run's place in its target's trend.
	Point mine.TrendPoint
}

// Save stores a snapshot as one run, in one transaction: either every row
// of it is written or none is. A run of the same target and window is
// replaced, and the hit deltas of the runs around it are recomputed.
func (s *Store) Save(ctx context.Context, snap *mine.Snapshot) (Saved, error) {
	if err := checkSnapshot(snap); err != nil {
		return Saved{}, fmt.Errorf("save run: %w", err)
	}
	var saved Saved
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		saved, err = s.save(ctx, tx, snap)
		return err
	})
	if err != nil {
		return Saved{}, fmt.Errorf("save run of %s for %s: %w", snap.Target, snap.Window, err)
	}
	return saved, nil
}

func checkSnapshot(snap *mine.Snapshot) error {
	switch {
	case snap == nil || snap.Report == nil:
		return errors.New("no report")
	case snap.Target == "":
		return errors.New("no target name")
	case snap.Collected.IsZero():
		return errors.New("no collection time")
	}
	return snap.Window.Validate()
}

func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := s.step("commit"); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) save(ctx context.Context, tx *sql.Tx, snap *mine.Snapshot) (Saved, error) {
	var out Saved
	r := snap.Report
	from, to := ts(snap.Window.From), ts(snap.Window.To)

	// Replace the run of the same target and window, remembering the runs
	// whose deltas were counted from it.
	recompute := map[int64]bool{}
	var old int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE target = ? AND window_from = ? AND window_to = ?`,
		snap.Target, from, to).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return out, err
	default:
		out.Replaced = true
		ids, err := int64s(ctx, tx, `SELECT DISTINCT run_id FROM rule_deltas WHERE prev_run_id = ?`, old)
		if err != nil {
			return out, err
		}
		for _, id := range ids {
			recompute[id] = true
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE id = ?`, old); err != nil {
			return out, err
		}
	}

	reportJSON, err := json.Marshal(r)
	if err != nil {
		return out, fmt.Errorf("encode report: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (target, host, port, vsys, device_group, window_from, window_to,
		collected_at, generated_at, catch_all, threat_logs, responses, catch_all_responses, traffic_logs,
		catch_all_sessions, catch_all_bytes, catch_all_distinct_urls, scanner_responses, report, verdict)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		snap.Target, snap.Conn.Host, snap.Conn.Port, snap.Conn.Vsys, snap.Conn.DeviceGroup, from, to,
		ts(snap.Collected), ts(r.Generated), jsonList(r.CatchAll), r.Totals.ThreatLogs, r.Totals.Responses,
		r.Totals.CatchAllResponses, r.Totals.TrafficLogs, r.Totals.CatchAllSessions, r.Totals.CatchAllBytes,
		r.Totals.DistinctURLs, r.Totals.ScannerResponses, string(reportJSON), nullString(overallVerdict(r.Readiness)))
	if err != nil {
		return out, err
	}
	if out.RunID, err = res.LastInsertId(); err != nil {
		return out, err
	}
	if err := s.step("run"); err != nil {
		return out, err
	}

	if err := insertDevices(ctx, tx, out.RunID, snap); err != nil {
		return out, err
	}
	if err := s.step("devices"); err != nil {
		return out, err
	}

	bySerial, err := counters(snap)
	if err != nil {
		return out, err
	}
	keys := ruleKeys(snap) // rule name -> key, renames without UUIDs followed
	serials := make([]string, 0, len(bySerial))
	for serial := range bySerial {
		serials = append(serials, serial)
	}
	slices.Sort(serials)
	for _, serial := range serials {
		cur := bySerial[serial]
		prevID, prevAt, prev, err := predecessor(ctx, tx, snap.Target, serial, out.RunID, 0, snap.Collected)
		if err != nil {
			return out, err
		}
		followRenames(prev, cur)
		if serial == snap.Device.Serial {
			for _, c := range cur {
				keys[c.rule] = c.key
			}
		}
		if err := insertCounters(ctx, tx, out.RunID, serial, cur); err != nil {
			return out, err
		}
		if err := s.step("rule_hits"); err != nil {
			return out, err
		}
		if err := insertDeltas(ctx, tx, out.RunID, serial, prevID, prevAt, prev, cur, snap.Collected, snap.Window); err != nil {
			return out, err
		}
		if err := s.step("rule_deltas"); err != nil {
			return out, err
		}
		next, err := successor(ctx, tx, snap.Target, serial, out.RunID, snap.Collected)
		if err != nil {
			return out, err
		}
		if next != 0 {
			recompute[next] = true
		}
	}

	if err := insertFindings(ctx, tx, out.RunID, snap, keys); err != nil {
		return out, err
	}
	if err := s.step("findings"); err != nil {
		return out, err
	}

	ids := make([]int64, 0, len(recompute))
	for id := range recompute {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := recomputeDeltas(ctx, tx, id); err != nil {
			return out, fmt.Errorf("recompute deltas of run %d: %w", id, err)
		}
	}

	trend, err := trendOf(ctx, tx, snap.Target)
	if err != nil {
		return out, err
	}
	at := slices.IndexFunc(trend, func(p mine.TrendPoint) bool { return p.RunID == out.RunID })
	if at < 0 {
		return out, errors.New("the run is missing from its own trend")
	}
	out.Point = trend[at]
	return out, nil
}

func insertDevices(ctx context.Context, tx *sql.Tx, runID int64, snap *mine.Snapshot) error {
	type dev struct {
		d    mine.Device
		role string
		peer string
	}
	devs := []dev{{snap.Device, "primary", ""}}
	if snap.HAPeer != nil {
		devs[0].peer = snap.HAPeer.Serial
		devs = append(devs, dev{*snap.HAPeer, "ha-peer", snap.Device.Serial})
	}
	for _, v := range devs {
		tz := ""
		if v.d.Location != nil {
			tz = v.d.Location.String()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO devices (run_id, serial, role, hostname, model, family, sw_version,
			panorama, time_zone, ha_peer_serial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			runID, v.d.Serial, v.role, v.d.Hostname, v.d.Model, v.d.Family, v.d.SWVersion, v.d.Panorama, tz, nullString(v.peer)); err != nil {
			return fmt.Errorf("store device %s: %w", v.d.Serial, err)
		}
	}
	return nil
}

// counters joins the snapshot's hit counters with its rulebase (UUIDs,
// actions) and the report (positions, catch-all), per device serial.
func counters(snap *mine.Snapshot) (map[string][]counter, error) {
	rules := make(map[string]*mine.Rule, len(snap.Rules))
	for i := range snap.Rules {
		rules[snap.Rules[i].Name] = &snap.Rules[i]
	}
	report := make(map[string]mine.HitCount, len(snap.Report.HitCounts))
	for _, h := range snap.Report.HitCounts {
		report[h.Rule] = h
	}
	catchAll := make(map[string]bool, len(snap.Report.CatchAll))
	for _, n := range snap.Report.CatchAll {
		catchAll[n] = true
	}
	out := map[string][]counter{}
	seen := map[string]bool{}
	for _, h := range snap.Hits {
		if h.HitCount > math.MaxInt64 {
			return nil, fmt.Errorf("rule %q: hit count %d does not fit", h.Rule, h.HitCount)
		}
		serial := h.Serial
		if serial == "" {
			serial = snap.Device.Serial
		}
		c := counter{rule: h.Rule, vsys: h.Vsys, catchAll: catchAll[h.Rule], hits: h.HitCount,
			first: h.FirstHit, last: h.LastHit, reset: h.LastReset, created: h.Created, modified: h.Modified}
		if r := rules[h.Rule]; r != nil {
			c.uuid, c.action, c.position = r.UUID, r.Action, r.Position+1
		}
		if hc, ok := report[h.Rule]; ok {
			c.position = hc.Position
			if c.action == "" {
				c.action = hc.Action
			}
		}
		c.key = ruleKey(c.uuid, c.rule)
		if seen[serial+"\x00"+c.key] {
			return nil, fmt.Errorf("rule %q appears twice in the hit counts of %s", h.Rule, serial)
		}
		seen[serial+"\x00"+c.key] = true
		out[serial] = append(out[serial], c)
	}
	return out, nil
}

func insertCounters(ctx context.Context, tx *sql.Tx, runID int64, serial string, cs []counter) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO rule_hits (run_id, serial, vsys, rule_key, rule_uuid, rule, position,
		action, catch_all, hit_count, first_hit, last_hit, last_reset, created, modified)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cs {
		if _, err := st.ExecContext(ctx, runID, serial, c.vsys, c.key, nullString(c.uuid), c.rule, c.position,
			c.action, c.catchAll, int64(c.hits), nullTime(c.first), nullTime(c.last), nullTime(c.reset),
			nullTime(c.created), nullTime(c.modified)); err != nil {
			return fmt.Errorf("store hit count of %q on %s: %w", c.rule, serial, err)
		}
	}
	return nil
}

func insertDeltas(ctx context.Context, tx *sql.Tx, runID int64, serial string, prevID int64, prevAt time.Time,
	prev, cur []counter, until time.Time, window mine.Window) error {
	byKey := make(map[string]*counter, len(prev))
	for i := range prev {
		byKey[prev[i].key] = &prev[i]
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO rule_deltas (run_id, serial, rule_key, rule, prev_run_id, since, until,
		kind, hits, gap_from, gap_to, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cur {
		p := byKey[c.key]
		since := time.Time{}
		var prevRun any
		if p != nil {
			since, prevRun = prevAt, prevID
		}
		d := delta(p, since, c, until, window)
		var hits, gapFrom, gapTo any
		if d.Known() {
			hits = d.Hits
		}
		if d.Gap != nil {
			gapFrom, gapTo = ts(d.Gap.From), ts(d.Gap.To)
		}
		if _, err := st.ExecContext(ctx, runID, serial, c.key, c.rule, prevRun, nullTime(d.Since), ts(until),
			string(d.Kind), hits, gapFrom, gapTo, nullString(d.Reason)); err != nil {
			return fmt.Errorf("store hit delta of %q on %s: %w", c.rule, serial, err)
		}
	}
	return nil
}

// predecessor returns the latest run of target before (collected, id)
// that has counters of the device serial, and those counters. A run that
// is not stored yet has id 0 (it sorts after every run read at the same
// second); exclude, when not 0, is a run to pass over.
func predecessor(ctx context.Context, tx querier, target, serial string, id, exclude int64, collected time.Time) (int64, time.Time, []counter, error) {
	var prevID int64
	var at string
	self := id
	if self == 0 {
		self = math.MaxInt64
	}
	err := tx.QueryRowContext(ctx, `SELECT r.id, r.collected_at FROM runs r
		WHERE r.target = ? AND r.id != ? AND r.id != ? AND (r.collected_at < ? OR (r.collected_at = ? AND r.id < ?))
		  AND EXISTS (SELECT 1 FROM rule_hits h WHERE h.run_id = r.id AND h.serial = ?)
		ORDER BY r.collected_at DESC, r.id DESC LIMIT 1`,
		target, id, exclude, ts(collected), ts(collected), self, serial).Scan(&prevID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil, nil
	}
	if err != nil {
		return 0, time.Time{}, nil, err
	}
	prevAt, err := parseTime(at)
	if err != nil {
		return 0, time.Time{}, nil, err
	}
	cs, err := loadCounters(ctx, tx, prevID, serial)
	return prevID, prevAt, cs, err
}

// successor returns the next run of target after (collected, id) with
// counters of the device serial, or 0.
func successor(ctx context.Context, tx *sql.Tx, target, serial string, id int64, collected time.Time) (int64, error) {
	var next int64
	err := tx.QueryRowContext(ctx, `SELECT r.id FROM runs r
		WHERE r.target = ? AND r.id != ? AND (r.collected_at > ? OR (r.collected_at = ? AND r.id > ?))
		  AND EXISTS (SELECT 1 FROM rule_hits h WHERE h.run_id = r.id AND h.serial = ?)
		ORDER BY r.collected_at, r.id LIMIT 1`,
		target, id, ts(collected), ts(collected), id, serial).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return next, err
}

func loadCounters(ctx context.Context, tx querier, runID int64, serial string) ([]counter, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rule_key, coalesce(rule_uuid, ''), rule, vsys, position, action, catch_all,
		hit_count, first_hit, last_hit, last_reset, created, modified
		FROM rule_hits WHERE run_id = ? AND serial = ? ORDER BY position, rule_key`, runID, serial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []counter
	for rows.Next() {
		var c counter
		var hits int64
		var first, last, reset, created, modified sql.NullString
		if err := rows.Scan(&c.key, &c.uuid, &c.rule, &c.vsys, &c.position, &c.action, &c.catchAll, &hits,
			&first, &last, &reset, &created, &modified); err != nil {
			return nil, err
		}
		c.hits = uint64(hits)
		for _, f := range []struct {
			dst *time.Time
			src sql.NullString
		}{{&c.first, first}, {&c.last, last}, {&c.reset, reset}, {&c.created, created}, {&c.modified, modified}} {
			if *f.dst, err = parseNullTime(f.src); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// recomputeDeltas replaces a run's deltas, counted against whatever run
// now precedes it.
func recomputeDeltas(ctx context.Context, tx *sql.Tx, runID int64) error {
	var target, collected, from, to string
	if err := tx.QueryRowContext(ctx, `SELECT target, collected_at, window_from, window_to FROM runs WHERE id = ?`, runID).
		Scan(&target, &collected, &from, &to); err != nil {
		return err
	}
	at, err := parseTime(collected)
	if err != nil {
		return err
	}
	var w mine.Window
	if w.From, err = parseTime(from); err != nil {
		return err
	}
	if w.To, err = parseTime(to); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM rule_deltas WHERE run_id = ?`, runID); err != nil {
		return err
	}
	serials, err := texts(ctx, tx, `SELECT DISTINCT serial FROM rule_hits WHERE run_id = ? ORDER BY serial`, runID)
	if err != nil {
		return err
	}
	for _, serial := range serials {
		cur, err := loadCounters(ctx, tx, runID, serial)
		if err != nil {
			return err
		}
		prevID, prevAt, prev, err := predecessor(ctx, tx, target, serial, runID, 0, at)
		if err != nil {
			return err
		}
		if err := insertDeltas(ctx, tx, runID, serial, prevID, prevAt, prev, cur, at, w); err != nil {
			return err
		}
	}
	return nil
}

// backfillDeltas computes the deltas of every stored run (migration to
// schema version 2).
func backfillDeltas(ctx context.Context, tx *sql.Tx) error {
	ids, err := int64s(ctx, tx, `SELECT id FROM runs ORDER BY target, collected_at, id`)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := recomputeDeltas(ctx, tx, id); err != nil {
			return fmt.Errorf("deltas of run %d: %w", id, err)
		}
	}
	return nil
}

func insertFindings(ctx context.Context, tx *sql.Tx, runID int64, snap *mine.Snapshot, keys map[string]string) error {
	r := snap.Report
	for _, v := range r.Readiness {
		crit, err := json.Marshal(v.Criteria)
		if err != nil {
			return fmt.Errorf("encode readiness criteria: %w", err)
		}
		if v.Criteria == nil {
			crit = []byte("[]")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO readiness (run_id, rule, verdict, criteria) VALUES (?, ?, ?, ?)`,
			runID, v.Rule, v.Verdict, string(crit)); err != nil {
			return fmt.Errorf("store readiness of %s: %w", v.Rule, err)
		}
	}
	names := make([]string, 0, len(snap.ClientSessions))
	for n := range snap.ClientSessions {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rule_sessions (run_id, rule_key, rule, sessions) VALUES (?, ?, ?, ?)`,
			runID, keys[n], n, snap.ClientSessions[n]); err != nil {
			return fmt.Errorf("store sessions of %s: %w", n, err)
		}
	}
	for _, f := range r.Findings {
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings (run_id, kind, team, destination, host, port, path, status,
			responses, sources, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			runID, f.Kind, nullString(f.Team), f.Destination, f.Host, f.Port, f.Path, f.Status, f.Count, f.Sources,
			nullTime(f.FirstSeen), nullTime(f.LastSeen)); err != nil {
			return fmt.Errorf("store finding %s %s: %w", f.Destination, f.Path, err)
		}
	}
	for _, sc := range []struct {
		scope  string
		counts map[int]int64
	}{{"all", r.StatusCounts}, {"catch_all", r.CatchAllStatusCounts}} {
		codes := make([]int, 0, len(sc.counts))
		for c := range sc.counts {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, c := range codes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO status_counts (run_id, scope, status, responses) VALUES (?, ?, ?, ?)`,
				runID, sc.scope, c, sc.counts[c]); err != nil {
				return fmt.Errorf("store status counts: %w", err)
			}
		}
	}
	for _, g := range r.Suggestions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO suggestions (run_id, name, catch_all_rule, from_zones, to_zones, sources,
			destinations, applications, services, ports, sessions, responses, bytes, urls, distinct_sources, first_seen,
			last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			runID, g.Name, g.CatchAllRule, jsonList(g.From), jsonList(g.To), jsonList(g.Source), jsonList(g.Destination),
			jsonList(g.Application), jsonList(g.Service), jsonList(g.Ports), g.Sessions, g.Responses, g.Bytes, g.URLs,
			g.DistinctSources, nullTime(g.FirstSeen), nullTime(g.LastSeen)); err != nil {
			return fmt.Errorf("store suggestion %s: %w", g.Name, err)
		}
	}
	for _, sc := range r.Scanners {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scanners (run_id, source, targets, distinct_paths, responses, not_found,
			first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			runID, sc.Source, jsonList(sc.Targets), sc.DistinctPaths, sc.Responses, sc.NotFound,
			nullTime(sc.FirstSeen), nullTime(sc.LastSeen)); err != nil {
			return fmt.Errorf("store scanner %s: %w", sc.Source, err)
		}
	}
	return nil
}

// ruleKeys maps the snapshot's rule names to their keys.
func ruleKeys(snap *mine.Snapshot) map[string]string {
	keys := make(map[string]string, len(snap.Rules))
	for _, r := range snap.Rules {
		keys[r.Name] = ruleKey(r.UUID, r.Name)
	}
	for _, n := range snap.Report.CatchAll {
		if _, ok := keys[n]; !ok {
			keys[n] = ruleKey("", n)
		}
	}
	for n := range snap.ClientSessions {
		if _, ok := keys[n]; !ok {
			keys[n] = ruleKey("", n)
		}
	}
	return keys
}

// overallVerdict is a run's verdict over its catch-all rules: not-ready
// when one is, else insufficient-evidence when one is, else ready; "" when
// there is none.
func overallVerdict(rs []mine.Readiness) string {
	out := ""
	for _, r := range rs {
		switch {
		case r.Verdict == mine.VerdictNotReady:
			return r.Verdict
		case r.Verdict == mine.VerdictInsufficientEvidence:
			out = r.Verdict
		case out == "":
			out = r.Verdict
		}
	}
	return out
}
