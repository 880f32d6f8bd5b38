package panosim

import (
	"slices"
	"strings"
	"time"
)

// LogKey identifies one log record: the firewall's serial and the record's
// sequence number (one sequence per device and log type).
type LogKey struct {
	Serial string
	SeqNo  uint64
}

func compareLogKeys(a, b LogKey) int {
	if c := strings.Compare(a.Serial, b.Serial); c != 0 {
		return c
	}
	switch {
	case a.SeqNo < b.SeqNo:
		return -1
	case a.SeqNo > b.SeqNo:
		return 1
	}
	return 0
}

// LogKeys returns the keys of the stored records of logType ("threat" or
// "traffic") received in [from, to], sorted: the set a correct collection
// of that window must return. On Panorama it spans every managed firewall,
// connected or not.
func (s *Server) LogKeys(logType string, from, to time.Time) []LogKey {
	if s.pano != nil {
		var out []LogKey
		for _, fw := range s.Firewalls() {
			out = append(out, fw.LogKeys(logType, from, to)...)
		}
		slices.SortFunc(out, compareLogKeys)
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.traffic
	if logType == "threat" {
		store = s.threat
	}
	lo, hi := from.Unix(), to.Unix()
	reps := s.replicas()
	var out []LogKey
	for _, e := range store {
		if u := e.unix(); u >= lo && u <= hi {
			for c := range reps {
				out = append(out, LogKey{s.dev.serial, logRef{e: e, copy: uint32(c)}.seqno(reps)})
			}
		}
	}
	slices.SortFunc(out, compareLogKeys)
	return out
}

// ServedKeys returns, sorted, the distinct records of logType that
// finished log query pages carried so far: the simulator's own record of
// what it served (planted fault entries are not records and are not in
// it).
func (s *Server) ServedKeys(logType string) []LogKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LogKey, 0, len(s.served[logType]))
	for k := range s.served[logType] {
		out = append(out, k)
	}
	slices.SortFunc(out, compareLogKeys)
	return out
}

// LogQueries returns how many log query jobs were submitted, per log type.
func (s *Server) LogQueries() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.queries))
	for k, v := range s.queries {
		out[k] = v
	}
	return out
}

// recordServed notes the records a finished page carries.
func (s *Server) recordServed(logType string, j *logJob) {
	if s.served == nil {
		s.served = map[string]map[LogKey]struct{}{}
	}
	m := s.served[logType]
	if m == nil {
		m = map[LogKey]struct{}{}
		s.served[logType] = m
	}
	reps := s.replicas()
	for _, r := range j.entries {
		d := r.dev
		if d == nil {
			d = &s.dev
		}
		m[LogKey{d.serial, r.seqno(reps)}] = struct{}{}
	}
}
