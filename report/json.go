package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/panos-mine/mine"
)

// WriteJSON writes the report as indented JSON. The keys are the json tags
// of mine.Report, which are the public interface of this document. Lists
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

// jsonReport returns a copy of r whose nil lists and maps are empty. r is
// not modified.
func jsonReport(r *mine.Report) *mine.Report {
	c := *r
	c.CatchAll = nonNil(c.CatchAll)
	c.StatusCounts = nonNilMap(c.StatusCounts)
	c.CatchAllStatusCounts = nonNilMap(c.CatchAllStatusCounts)
	c.CatchAllURLs = nonNil(c.CatchAllURLs)
	c.HitCounts = nonNil(c.HitCounts)

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
