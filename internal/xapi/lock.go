package xapi

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
)

// Lock is a config or commit lock held on the device.
type Lock struct {
	Kind    string // "config" or "commit"
	Owner   string // the administrator holding it
	Scope   string // "shared", a vsys name, or as the device reports it
	Comment string
}

// Locks returns the config and commit locks held on the device, by anyone.
func (s *Session) Locks(ctx context.Context) ([]Lock, error) {
	cmd := "<show><config-locks/></show>"
	if maj, min, _ := s.Version(); !s.IsPanorama() && (maj > 9 || (maj == 9 && min >= 1)) {
		// From 9.1 a firewall answers only for the scope asked.
		cmd = "<show><config-locks><vsys>all</vsys></config-locks></show>"
	}
	var out []Lock
	for _, q := range []struct{ kind, cmd string }{{"config", cmd}, {"commit", "<show><commit-locks/></show>"}} {
		body, err := s.Op(ctx, q.cmd)
		if err != nil {
			return nil, fmt.Errorf("read %s locks: %w", q.kind, err)
		}
		locks, err := ParseLocks(body, q.kind)
		if err != nil {
			return nil, err
		}
		out = append(out, locks...)
	}
	return out, nil
}

// ParseLocks parses the answer to show config-locks or show commit-locks
// (kind "config" or "commit").
func ParseLocks(body []byte, kind string) ([]Lock, error) {
	type entry struct {
		Owner   string `xml:"name,attr"`
		Scope   string `xml:"name"`
		Comment string `xml:"comment"`
	}
	var doc struct {
		Status string  `xml:"status,attr"`
		Config []entry `xml:"result>config-locks>entry"`
		Commit []entry `xml:"result>commit-locks>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse %s locks: %w", kind, err)
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("parse %s locks: response status %q", kind, doc.Status)
	}
	entries := doc.Config
	if kind == "commit" {
		entries = doc.Commit
	}
	out := make([]Lock, 0, len(entries))
	for _, e := range entries {
		out = append(out, Lock{Kind: kind, Owner: strings.TrimSpace(e.Owner), Scope: strings.TrimSpace(e.Scope), Comment: strings.TrimSpace(e.Comment)})
	}
	return out, nil
}
