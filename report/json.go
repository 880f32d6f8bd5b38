package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// WriteJSON writes the report as indented JSON. The keys are the json tags
// of mine.Report, which are the public interface of this document;
// mine_report_version is mine.ReportVersion. Lists
// and maps the report leaves nil are written as [] and {}, so a consumer can
// always iterate them; URLs are written without HTML escaping.
//
// It returns an error when r is nil or the error of w.
func WriteJSON(w io.Writer, r *mine.Report) error {
	if r == nil {
		return errors.New("write json: nil report")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonReport(r)); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// jsonReport returns a copy of r whose nil lists and maps are empty, with
// the document's version. r is not modified.
func jsonReport(r *mine.Report) *mine.Report {
	c := *r
	c.Version = mine.ReportVersion
	c.CatchAll = nonNil(c.CatchAll)
	c.StatusCounts = nonNilMap(c.StatusCounts)
	c.CatchAllStatusCounts = nonNilMap(c.CatchAllStatusCounts)
	c.CatchAllURLs = nonNil(c.CatchAllURLs)
	c.HitCounts = nonNil(c.HitCounts)
	c.CatchAllDaily = nonNil(c.CatchAllDaily)
	c.CatchAllWeeks = nonNil(c.CatchAllWeeks)
	c.CatchAllDestinations = nonNil(c.CatchAllDestinations)

	c.Suggestions = make([]mine.Suggestion, len(r.Suggestions))
	for i, s := range r.Suggestions {
		s.From = nonNil(s.From)
		s.To = nonNil(s.To)
		s.Source = nonNil(s.Source)
		s.Destination = nonNil(s.Destination)
		s.Application = nonNil(s.Application)
		s.Service = nonNil(s.Service)
		s.Ports = nonNil(s.Ports)
		s.TopURLs = nonNil(s.TopURLs)
		c.Suggestions[i] = s
	}
	c.Scanners = make([]mine.Scanner, len(r.Scanners))
	for i, s := range r.Scanners {
		s.Targets = nonNil(s.Targets)
		c.Scanners[i] = s
	}
	return &c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[int]int64) map[int]int64 {
	if m == nil {
		return map[int]int64{}
	}
	return m
}

// requiredKeys are the keys every mine report has and rendering needs.
var requiredKeys = []string{"generated", "device", "window", "catch_all", "totals", "status_counts", "suggestions", "readiness"}

// ReadJSON reads a report WriteJSON wrote. It checks that the document is
// mine's: a JSON object with mine_report_version (a version this mine
// reads) and the keys every report has; a document without the version
// (written before mine had one) is accepted when it has those keys. Keys
// it does not know are ignored, as keys are only ever added.
//
// It returns an error saying what is wrong and where: not JSON (with the
// line), not a mine report (with the missing keys), a newer version, or a
// key holding the wrong kind of value.
func ReadJSON(b []byte) (*mine.Report, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(b, se.Offset-1) // Offset is past the bad byte
			return nil, fmt.Errorf("not JSON: %v at line %d, column %d", se, line, col)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("not a mine report: the document is a JSON %s, not an object", te.Value)
		}
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if keys == nil {
		return nil, errors.New("not a mine report: the document is null")
	}
	var missing []string
	for _, k := range requiredKeys {
		if _, ok := keys[k]; !ok {
			missing = append(missing, k)
		}
	}
	raw, versioned := keys["mine_report_version"]
	if versioned {
		var v int
		if err := json.Unmarshal(raw, &v); err != nil || v < 1 {
			return nil, fmt.Errorf("mine_report_version %s: want a whole number from 1", raw)
		}
		if v > mine.ReportVersion {
			return nil, fmt.Errorf("written by a newer mine (mine_report_version %d; this mine reads up to %d): upgrade mine", v, mine.ReportVersion)
		}
	}
	if len(missing) > 0 {
		what := "it lacks the keys " + strings.Join(missing, ", ")
		if !versioned {
			what = "no mine_report_version key, and " + what
		}
		return nil, fmt.Errorf("not a mine report: %s (mine report reads what mine run --json writes)", what)
	}
	var r mine.Report
	if err := json.Unmarshal(b, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("key %s: a JSON %s where the report has %s", te.Field, te.Value, kindOf(te.Type.String()))
		}
		var pe *time.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("a time that is not RFC 3339: %q", pe.Value)
		}
		return nil, err
	}
	return &r, nil
}

// position turns a byte offset into a line and column, both from 1.
func position(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// kindOf names a Go type as a JSON kind.
func kindOf(goType string) string {
	switch {
	case goType == "time.Time":
		return "a time (RFC 3339 text)"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "mine."):
		return "an object"
	case goType == "string":
		return "text"
	case goType == "bool":
		return "true or false"
	}
	return "a number"
}
