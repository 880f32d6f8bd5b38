package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// ErrNoChange means no stored change fits the request.
var ErrNoChange = errors.New("no such change in the history")

// SaveChange stores a change mine made, with the flows the catch-all
// carried when it is a retirement, in one transaction, and returns its ID
// (also set in c.ID). An undo marks the change it reverts as undone. It
// refuses a change without kind, host, time or status, and an undo of a
// change that is not stored or already undone.
func (s *Store) SaveChange(ctx context.Context, c *mine.Change, carried []mine.CarriedFlow) (int64, error) {
	switch {
	case c == nil:
		return 0, errors.New("save change: no change")
	case c.Kind == "" || c.Host == "" || c.Time.IsZero() || c.Status == "":
		return 0, fmt.Errorf("save change: kind %q, host %q, time %v and status %q must all be set", c.Kind, c.Host, c.Time, c.Status)
	case c.Kind == mine.ChangeUndo && c.Undoes == 0:
		return 0, errors.New("save change: an undo must name the change it reverts")
	}
	c.Time = c.Time.UTC().Truncate(0)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if c.Undoes != 0 {
			var undone sql.NullInt64
			if err := tx.QueryRowContext(ctx, "SELECT undone_by FROM changes WHERE id = ?", c.Undoes).Scan(&undone); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("change %d: %w", c.Undoes, ErrNoChange)
				}
				return err
			}
			if undone.Valid {
				return fmt.Errorf("change %d was already undone by change %d", c.Undoes, undone.Int64)
			}
		}
		target := c.Target
		if target == "" {
			target = c.Host
		}
		rec, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode the change record: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO changes (kind, target, host, context, serial, hostname, at, admin, operator,
			rules, verdict, forced, reason, status, summary, diff, undoes, record)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Kind, target, c.Host, c.Context, c.Device.Serial, c.Device.Hostname, ts(c.Time), c.Admin, c.Operator,
			jsonList(c.Rules), nullString(c.Verdict), c.Forced, nullString(c.Reason), c.Status, c.Summary,
			strings.Join(c.Diff, "\n"), nullInt(c.Undoes), string(rec))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := s.step("change"); err != nil {
			return err
		}
		if c.Undoes != 0 && c.Status != mine.ChangeFailed {
			if _, err := tx.ExecContext(ctx, "UPDATE changes SET undone_by = ? WHERE id = ?", id, c.Undoes); err != nil {
				return err
			}
		}
		for _, f := range carried {
			if _, err := tx.ExecContext(ctx, `INSERT INTO carried_flows (change_id, catch_all_rule, from_zone, to_zone, source,
				destination, application, protocol, port, sessions, first_seen, last_seen, scanner)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, f.CatchAllRule, f.From, f.To, f.Source, f.Destination, f.Application, f.Protocol, f.Port, f.Sessions,
				nullTime(f.FirstSeen), nullTime(f.LastSeen), f.Scanner); err != nil {
				return err
			}
		}
		c.ID = id
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("save %s change of %s: %w", c.Kind, c.Host, err)
	}
	return c.ID, nil
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// Changes returns the changes stored for a host (every host when host is
// ""), newest first.
func (s *Store) Changes(ctx context.Context, host string) ([]mine.Change, error) {
	q := "SELECT id, undone_by, record FROM changes"
	var args []any
	if host != "" {
		q += " WHERE host = ?"
		args = append(args, host)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY at DESC, id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	out := []mine.Change{}
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return out, nil
}

func scanChange(rows interface{ Scan(...any) error }) (mine.Change, error) {
	var id int64
	var undone sql.NullInt64
	var rec string
	if err := rows.Scan(&id, &undone, &rec); err != nil {
		return mine.Change{}, fmt.Errorf("read changes: %w", err)
	}
	var c mine.Change
	if err := json.Unmarshal([]byte(rec), &c); err != nil {
		return mine.Change{}, fmt.Errorf("read change %d: damaged record: %w", id, err)
	}
	c.ID, c.UndoneBy = id, undone.Int64
	return c, nil
}

// Change returns one stored change. The error wraps ErrNoChange when
// there is none with the ID.
func (s *Store) Change(ctx context.Context, id int64) (mine.Change, error) {
	c, err := scanChange(s.db.QueryRowContext(ctx, "SELECT id, undone_by, record FROM changes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("change %d: %w", id, ErrNoChange)
	}
	return c, err
}

// Standing returns the newest change of the kind on a host and policy
// context that is in force: committed (or committed with a failed push),
// not undone, and, when rule is not "", about that rule. The error wraps
// ErrNoChange when there is none.
func (s *Store) Standing(ctx context.Context, host, policyContext, kind, rule string) (mine.Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, undone_by, record FROM changes
		WHERE host = ? AND context = ? AND kind = ? AND status != 'failed' AND undone_by IS NULL
		ORDER BY at DESC, id DESC`, host, policyContext, kind)
	if err != nil {
		return mine.Change{}, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return mine.Change{}, err
		}
		if rule == "" || slices.Contains(c.Rules, rule) {
			return c, nil
		}
	}
	if err := rows.Err(); err != nil {
		return mine.Change{}, fmt.Errorf("read changes: %w", err)
	}
	what := kind
	if rule != "" {
		what += " of " + rule
	}
	return mine.Change{}, fmt.Errorf("%s on %s (%s) in force: %w", what, host, policyContext, ErrNoChange)
}

// CarriedFlows returns the flows stored with a retirement.
func (s *Store) CarriedFlows(ctx context.Context, changeID int64) ([]mine.CarriedFlow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT catch_all_rule, from_zone, to_zone, source, destination, application,
		protocol, port, sessions, first_seen, last_seen, scanner FROM carried_flows WHERE change_id = ? ORDER BY rowid`, changeID)
	if err != nil {
		return nil, fmt.Errorf("read carried flows of change %d: %w", changeID, err)
	}
	defer rows.Close()
	out := []mine.CarriedFlow{}
	for rows.Next() {
		var f mine.CarriedFlow
		var first, last sql.NullString
		if err := rows.Scan(&f.CatchAllRule, &f.From, &f.To, &f.Source, &f.Destination, &f.Application, &f.Protocol,
			&f.Port, &f.Sessions, &first, &last, &f.Scanner); err != nil {
			return nil, fmt.Errorf("read carried flows of change %d: %w", changeID, err)
		}
		if f.FirstSeen, err = parseNullTime(first); err != nil {
			return nil, err
		}
		if f.LastSeen, err = parseNullTime(last); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
