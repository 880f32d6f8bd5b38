package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// ApplyResult says what ApplySuggestions did.
type ApplyResult struct {
	// Created are the rules written, each disabled, tagged mine-suggested
	// and placed right above its catch-all rule.
	Created []string
	// Skipped are suggestions whose rule name already exists on the device.
	Skipped []string
	// Partial is true when the commit covered only this session's
	// administrator's changes.
	Partial   bool
	JobID     uint
	Committed bool
}

// ErrCannotPlace: the XML API session cannot move a rule next to another
// (action=move), so suggested rules cannot be put above the catch-all.
var ErrCannotPlace = errors.New("the XML API session cannot move rules (action=move) yet")

// mover places a configuration entry next to a sibling (type=config,
// action=move). The XML API session (internal/xapi.Session.Move) offers
// it; a session that does not makes ApplySuggestions refuse before
// changing anything.
type mover interface {
	Move(ctx context.Context, xpath, where, dst string) error
}

// CanApply reports whether the session can place rules above a catch-all;
// the error wraps ErrCannotPlace when it cannot.
func (c *Client) CanApply() error {
	if _, ok := any(c.s).(mover); !ok {
		return fmt.Errorf("place rules above the catch-all: %w; nothing was changed", ErrCannotPlace)
	}
	return nil
}

// ApplySuggestions creates the suggested rules in the candidate
// configuration (the objects they need first, then each rule, moved right
// above its catch-all), and commits: only this administrator's changes
// when the session knows its user name, every pending change otherwise.
// Rules whose name already exists are skipped, so running it twice creates
// nothing new. Every rule must be disabled and tagged mine-suggested: mine
// never enables a rule on a device.
//
// It returns an error wrapping ErrCannotPlace, before any change, when the
// session cannot place rules; a failed commit's error names the job.
func (c *Client) ApplySuggestions(ctx context.Context, sugs []mine.Suggestion, commitDeadline time.Duration) (ApplyResult, error) {
	var res ApplyResult
	if len(sugs) == 0 {
		return res, nil
	}
	for _, s := range sugs {
		if !strings.Contains(s.XML, "<disabled>yes</disabled>") || !strings.Contains(s.XML, "<member>"+mine.SuggestedTag+"</member>") {
			return res, fmt.Errorf("apply suggestion %s: its rule is not disabled and tagged %s; refusing", s.Name, mine.SuggestedTag)
		}
		if s.XPath == "" || s.CatchAllRule == "" {
			return res, fmt.Errorf("apply suggestion %s: no xpath or catch-all rule", s.Name)
		}
	}
	if err := c.CanApply(); err != nil {
		return res, err
	}
	m := any(c.s).(mover)

	// What the candidate configuration already holds, per rules container.
	existing := map[string]map[string]bool{}
	for _, s := range sugs {
		if existing[s.XPath] != nil {
			continue
		}
		body, err := c.s.Get(ctx, s.XPath)
		if err != nil {
			return res, fmt.Errorf("read candidate rules at %s: %w", s.XPath, err)
		}
		names := map[string]bool{}
		if body != nil {
			rules, err := ParseRules(body, c.vsys)
			if err != nil {
				return res, fmt.Errorf("read candidate rules: %w", err)
			}
			for _, r := range rules {
				names[r.Name] = true
			}
		}
		existing[s.XPath] = names
	}
	objects := map[string]bool{}
	for _, s := range sugs {
		names := existing[s.XPath]
		if !names[s.CatchAllRule] {
			return res, fmt.Errorf("apply suggestion %s: catch-all rule %q is not in the candidate configuration", s.Name, s.CatchAllRule)
		}
		if names[s.Name] {
			res.Skipped = append(res.Skipped, s.Name)
			continue
		}
		for _, o := range s.Objects {
			key := o.XPath + "\x00" + o.Name
			if objects[key] {
				continue
			}
			if err := c.s.Set(ctx, o.XPath, o.XML); err != nil {
				return res, fmt.Errorf("create %s %s for rule %s: %w", o.Kind, o.Name, s.Name, err)
			}
			objects[key] = true
		}
		if err := c.s.Set(ctx, s.XPath, s.XML); err != nil {
			return res, fmt.Errorf("create rule %s: %w", s.Name, err)
		}
		entry := s.XPath + "/entry[@name='" + s.Name + "']"
		if err := m.Move(ctx, entry, "before", s.CatchAllRule); err != nil {
			return res, fmt.Errorf("move rule %s above %s: %w", s.Name, s.CatchAllRule, err)
		}
		names[s.Name] = true
		res.Created = append(res.Created, s.Name)
		c.logger.Info("suggested rule created (disabled)", "rule", s.Name, "above", s.CatchAllRule)
	}
	if len(res.Created) == 0 {
		return res, nil
	}
	opts := xapi.CommitOptions{Description: fmt.Sprintf("mine: %d suggested rules, disabled, tagged %s", len(res.Created), mine.SuggestedTag)}
	if u := c.s.Username(); u != "" {
		opts.Admins = []string{u}
		res.Partial = true
	}
	id, err := c.s.CommitWith(ctx, opts)
	if err != nil {
		return res, fmt.Errorf("commit the suggested rules: %w", err)
	}
	if id == 0 {
		return res, fmt.Errorf("commit the suggested rules: the device had nothing to commit")
	}
	res.JobID = id
	if _, err := c.s.WaitJob(ctx, id, commitDeadline); err != nil {
		return res, fmt.Errorf("commit the suggested rules: %w", err)
	}
	res.Committed = true
	return res, nil
}
