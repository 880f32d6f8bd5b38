package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/panos-mine/mine"
)

// Trend returns the runs of target, oldest snapshot first, as the
// catch_all_trend view gives them.
func (s *Store) Trend(ctx context.Context, target string) ([]mine.TrendPoint, error) {
	t, err := trendOf(ctx, s.db, target)
	if err != nil {
		return nil, fmt.Errorf("read trend of %s: %w", target, err)
	}
	return t, nil
}

func trendOf(ctx context.Context, q querier, target string) ([]mine.TrendPoint, error) {
	rows, err := q.QueryContext(ctx, `SELECT run_id, target, coalesce(serial, ''), window_from, window_to, collected_at,
		since, catch_all_hits, catch_all_resets, catch_all_sessions, coalesce(catch_all_client_sessions, 0),
		catch_all_responses, catch_all_distinct_urls,
		catch_all_1xx, catch_all_2xx, catch_all_3xx, catch_all_4xx, catch_all_5xx, suggestions, coalesce(verdict, '')
		FROM catch_all_trend WHERE target = ? ORDER BY collected_at, run_id`, target)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mine.TrendPoint
	for rows.Next() {
		var p mine.TrendPoint
		var from, to, collected string
		var since sql.NullString
		var hits sql.NullInt64
		if err := rows.Scan(&p.RunID, &p.Target, &p.Serial, &from, &to, &collected, &since, &hits, &p.Resets,
			&p.CatchAllSessions, &p.ClientSessions, &p.CatchAllResponses, &p.DistinctURLs, &p.StatusClasses[1], &p.StatusClasses[2],
			&p.StatusClasses[3], &p.StatusClasses[4], &p.StatusClasses[5], &p.Suggestions, &p.Verdict); err != nil {
			return nil, err
		}
		p.CatchAllHits, p.HitsKnown = hits.Int64, hits.Valid
		for _, f := range []struct {
			dst *time.Time
			src string
		}{{&p.Window.From, from}, {&p.Window.To, to}, {&p.Collected, collected}} {
			if *f.dst, err = parseTime(f.src); err != nil {
				return nil, err
			}
		}
		if p.Since, err = parseNullTime(since); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Deltas returns the hit deltas of one run, per device and in rulebase
// order.
func (s *Store) Deltas(ctx context.Context, runID int64) ([]mine.HitDelta, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.rule_key, d.rule, d.serial, d.since, d.until, d.kind, d.hits,
		d.gap_from, d.gap_to, coalesce(d.reason, '')
		FROM rule_deltas d JOIN rule_hits h ON h.run_id = d.run_id AND h.serial = d.serial AND h.rule_key = d.rule_key
		WHERE d.run_id = ? ORDER BY d.serial, h.position, d.rule_key`, runID)
	if err != nil {
		return nil, fmt.Errorf("read deltas of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []mine.HitDelta
	for rows.Next() {
		var d mine.HitDelta
		var since, gapFrom, gapTo sql.NullString
		var until, kind string
		var hits sql.NullInt64
		if err := rows.Scan(&d.RuleKey, &d.Rule, &d.Serial, &since, &until, &kind, &hits, &gapFrom, &gapTo, &d.Reason); err != nil {
			return nil, fmt.Errorf("read deltas of run %d: %w", runID, err)
		}
		d.Kind, d.Hits = mine.DeltaKind(kind), hits.Int64
		if d.Since, err = parseNullTime(since); err != nil {
			return nil, err
		}
		if d.Until, err = parseTime(until); err != nil {
			return nil, err
		}
		if gapFrom.Valid {
			g := mine.Window{}
			if g.From, err = parseTime(gapFrom.String); err != nil {
				return nil, err
			}
			if g.To, err = parseNullTime(gapTo); err != nil {
				return nil, err
			}
			d.Gap = &g
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Targets returns the names of the targets that have runs, sorted.
func (s *Store) Targets(ctx context.Context) ([]string, error) {
	t, err := texts(ctx, s.db, `SELECT DISTINCT target FROM runs ORDER BY target`)
	if err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	return t, nil
}

// Prune deletes the runs of target whose window ended before before, and
// returns how many it deleted. The deltas of later runs keep their
// counts: they were measured, only the earlier snapshot is gone.
func (s *Store) Prune(ctx context.Context, target string, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM runs WHERE target = ? AND window_to < ?`, target, ts(before))
	if err != nil {
		return 0, fmt.Errorf("prune runs of %s before %s: %w", target, ts(before), err)
	}
	return res.RowsAffected()
}

// DeleteTarget deletes every run of target and returns how many.
func (s *Store) DeleteTarget(ctx context.Context, target string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM runs WHERE target = ?`, target)
	if err != nil {
		return 0, fmt.Errorf("delete runs of %s: %w", target, err)
	}
	return res.RowsAffected()
}
