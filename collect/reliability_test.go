package collect

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// keysOf is a collection's keys as panosim names them.
func keysOf(got collected) []panosim.LogKey {
	out := make([]panosim.LogKey, 0, len(got.keys))
	for k := range got.keys {
		out = append(out, panosim.LogKey{Serial: k.serial, SeqNo: k.seq})
	}
	slices.SortFunc(out, func(a, b panosim.LogKey) int {
		if a.Serial != b.Serial {
			if a.Serial < b.Serial {
				return -1
			}
			return 1
		}
		switch {
		case a.SeqNo < b.SeqNo:
			return -1
		case a.SeqNo > b.SeqNo:
			return 1
		}
		return 0
	})
	return out
}

// checkExact compares a collection with the simulator's store for the
// window, and with its record of what it served: every record of the
// window exactly once, nothing else, nothing it did not serve.
func checkExact(t *testing.T, sim *panosim.Server, logType string, w mine.Window, got collected) {
	t.Helper()
	want := sim.LogKeys(logType, w.From, w.To)
	have := keysOf(got)
	if !slices.Equal(have, want) {
		missing, extra := diffKeys(want, have), diffKeys(have, want)
		t.Errorf("collected %d %s entries; the store holds %d for the window (missing %d, e.g. %v; extra %d, e.g. %v)",
			len(have), logType, len(want), len(missing), first(missing), len(extra), first(extra))
	}
	for k, n := range got.keys {
		if n != 1 {
			t.Errorf("entry %v delivered %d times", k, n)
		}
	}
	served := map[panosim.LogKey]bool{}
	for _, k := range sim.ServedKeys(logType) {
		served[k] = true
	}
	for _, k := range have {
		if !served[k] {
			t.Errorf("entry %v collected but the simulator never served it", k)
			break
		}
	}
}

func diffKeys(a, b []panosim.LogKey) []panosim.LogKey {
	in := map[panosim.LogKey]bool{}
	for _, k := range b {
		in[k] = true
	}
	var out []panosim.LogKey
	for _, k := range a {
		if !in[k] {
			out = append(out, k)
		}
	}
	return out
}

func first(k []panosim.LogKey) any {
	if len(k) == 0 {
		return nil
	}
	return k[0]
}

// Every fault and bad answer the simulator plants either leaves the exact
// served set, with what was dropped counted as planted, or (see below)
// fails clearly.
func TestCollectUnderPageFaults(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: sim.Now()}
	tests := []struct {
		name  string
		f     panosim.Faults
		check func(t *testing.T, st Stats, fst panosim.FaultStats)
	}{
		{"duplicates in a page", panosim.Faults{DuplicateEvery: 3}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.Duplicated == 0 || st.Duplicates != int64(f.Duplicated) {
				t.Errorf("duplicates dropped %d; planted %d", st.Duplicates, f.Duplicated)
			}
		}},
		{"entries served again on the next page", panosim.Faults{RepeatEvery: 2}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.Repeated == 0 || st.Duplicates != int64(f.Repeated) {
				t.Errorf("duplicates dropped %d; planted repeats %d", st.Duplicates, f.Repeated)
			}
		}},
		{"entries outside the query's time range", panosim.Faults{OutsideEvery: 2}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.Outside == 0 || st.OutOfWindow != int64(f.Outside) {
				t.Errorf("out of window dropped %d; planted %d", st.OutOfWindow, f.Outside)
			}
		}},
		{"entries not matching the filter", panosim.Faults{MismatchEvery: 2}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.Mismatched == 0 || st.FilterMismatch != int64(f.Mismatched) {
				t.Errorf("filter mismatches dropped %d; planted %d", st.FilterMismatch, f.Mismatched)
			}
		}},
		{"short pages", panosim.Faults{ShortEvery: 4}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.Short == 0 || st.ShortPages != f.Short || st.Retries < f.Short {
				t.Errorf("short pages seen %d, retries %d; planted %d", st.ShortPages, st.Retries, f.Short)
			}
		}},
		{"final answer lost after the device read the page", panosim.Faults{LostFinalEvery: 3}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.LostFinals == 0 || st.LostJobs != f.LostFinals {
				t.Errorf("lost jobs submitted again %d; answers lost %d", st.LostJobs, f.LostFinals)
			}
		}},
		{"any answer lost after the device did the work", panosim.Faults{LostAnswerEvery: 7}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.LostAnswers == 0 || st.Repeats+st.LostJobs == 0 {
				t.Errorf("answers lost %d; repeats %d, lost jobs %d", f.LostAnswers, st.Repeats, st.LostJobs)
			}
		}},
		{"truncated pages, resets, 503 and session timeouts", panosim.Faults{ResetEvery: 29, HTTP503Every: 31, SessionTimeoutEvery: 37, TruncateEvery: 5}, func(t *testing.T, st Stats, f panosim.FaultStats) {
			if f.Truncated == 0 || f.Resets == 0 || st.Retries == 0 || st.Repeats == 0 {
				t.Errorf("faults %+v; retries %d, repeats %d", f, st.Retries, st.Repeats)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := panosim.WithFaults(sim, tc.f)
			c := connectTo(t, fs, sim.APIKey(), func(c *Client) { c.PageSize, c.Retries, c.Jobs = 60, 12, 2 })
			got, st, err := collectThreats(t, c, w, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, sim, "threat", w, got)
			if st.Entries != int64(got.entries) {
				t.Errorf("Stats.Entries = %d; delivered %d", st.Entries, got.entries)
			}
			tc.check(t, st, fs.Stats())
		})
	}
}

// A slow final page: the device reads the page (deleting the job), but
// the answer comes after the client gave up; asking again finds no job,
// and the page is queried anew instead of failing the run.
func TestCollectSlowFinalPage(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: sim.Now()}
	fs := panosim.WithFaults(sim, panosim.Faults{SlowFinalEvery: 4, SlowFinal: 400 * time.Millisecond})
	srv := httptest.NewTLSServer(fs)
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv, sim.APIKey())
	cfg.Timeout = 150 * time.Millisecond
	c, err := Connect(context.Background(), cfg, "vsys1")
	if err != nil {
		t.Fatal(err)
	}
	c.PageSize, c.PollStart, c.PollMax, c.RetryBase, c.Retries = 200, time.Millisecond, 5*time.Millisecond, time.Millisecond, 8
	got, st, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, sim, "threat", w, got)
	if f := fs.Stats(); f.SlowFinals == 0 || st.LostJobs == 0 {
		t.Errorf("slow finals %d, lost jobs resubmitted %d; want both", f.SlowFinals, st.LostJobs)
	}
}

// Pages that stay short fail the collection clearly; nothing is reported
// from them as if complete.
func TestCollectShortPagesFail(t *testing.T) {
	sim := simWithLogs(t, 1)
	fs := panosim.WithFaults(sim, panosim.Faults{ShortAlways: true})
	c := connectTo(t, fs, sim.APIKey(), func(c *Client) { c.PageSize, c.Retries, c.Jobs = 100, 2, 1 })
	_, st, err := collectThreats(t, c, mine.Window{From: simStart, To: sim.Now()}, 0)
	if !errors.Is(err, ErrShortPage) || st.ShortPages != 3 {
		t.Errorf("collect with every page short = %v, %d short pages; want ErrShortPage after 3 tries", err, st.ShortPages)
	}
}

// An entry that cannot be read is skipped and counted, and the rest
// collected; with Strict the collection fails on it instead.
func TestCollectUnparseableEntries(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: sim.Now()}
	fs := panosim.WithFaults(sim, panosim.Faults{GarbleEvery: 5})
	c := connectTo(t, fs, sim.APIKey(), func(c *Client) { c.PageSize, c.Jobs = 80, 1 })
	got, st, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbled := fs.Stats().Garbled
	want := len(sim.LogKeys("threat", w.From, w.To))
	if garbled == 0 || st.Unparseable != int64(garbled) || got.entries != want-garbled {
		t.Errorf("unparseable %d, collected %d; planted %d garbled of %d", st.Unparseable, got.entries, garbled, want)
	}
	strict := connectTo(t, panosim.WithFaults(sim, panosim.Faults{GarbleEvery: 5}), sim.APIKey(), func(c *Client) { c.PageSize, c.Strict = 80, true })
	if _, _, err := collectThreats(t, strict, w, 0); err == nil || !errorsContain(err, "--strict", "12x") {
		t.Errorf("strict collect = %v; want a failure naming --strict and the entry", err)
	}
}

// errorsContain reports whether err's message holds every one of subs.
func errorsContain(err error, subs ...string) bool {
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			return false
		}
	}
	return true
}

// A job that never moves is abandoned after JobStall and submitted again,
// and the collection fails once the retries are spent; a device whose jobs
// never move stops the whole run at RunStall. Both with a clear error.
func TestCollectStalls(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: sim.Now()}
	frozen := panosim.WithFaults(sim, panosim.Faults{JobLatency: 24 * time.Hour})

	c := connectTo(t, frozen, sim.APIKey(), func(c *Client) {
		c.JobStall, c.RunStall, c.Retries, c.Jobs = 300*time.Millisecond, time.Hour, 2, 1
	})
	c.SetSleep(func(ctx context.Context, d time.Duration) error { return ctx.Err() }) // polls count time, take none
	_, st, err := collectThreats(t, c, w, 0)
	if !errors.Is(err, ErrLogJobTimeout) || st.StalledJobs != 3 || st.Retries != 2 {
		t.Errorf("collect with frozen jobs = %v, %d stalled, %d retries; want ErrLogJobTimeout after 3 stalled jobs", err, st.StalledJobs, st.Retries)
	}

	c = connectTo(t, frozen, sim.APIKey(), func(c *Client) {
		c.JobStall, c.RunStall, c.Heartbeat = time.Hour, 200*time.Millisecond, 50*time.Millisecond
	})
	var beats []Progress
	c.Progress = func(p Progress) { beats = append(beats, p) }
	_, _, err = collectThreats(t, c, w, 0)
	if !errors.Is(err, ErrStalled) || !errorsContain(err, "no progress", "200ms") {
		t.Errorf("collect from a device whose jobs never move = %v; want ErrStalled naming the limit", err)
	}
	waiting := 0
	for _, b := range beats {
		if b.Waiting > 0 {
			waiting++
		}
	}
	if waiting < 2 {
		t.Errorf("%d progress reports while waiting; want the heartbeat (every 50ms over 200ms)", waiting)
	}
}

// A transport failure after the device answered at connect time is a
// lost connection, not an unreachable device.
func TestCollectConnectionLost(t *testing.T) {
	sim := simWithLogs(t, 1)
	c := connectTo(t, panosim.WithFaults(sim, panosim.Faults{ResetEvery: 1}), sim.APIKey(), func(c *Client) { c.Retries = 2 })
	_, _, err := collectThreats(t, c, mine.Window{From: simStart, To: sim.Now()}, 0)
	if !errors.Is(err, ErrConnectionLost) || errors.Is(err, ErrUnreachable) {
		t.Errorf("collect with every log request reset = %v; want ErrConnectionLost, not ErrUnreachable", err)
	}
}

// Hit counters of rules the rulebase does not have are dropped and named;
// the default rules stay.
func TestKnownHits(t *testing.T) {
	rules := []mine.Rule{{Name: "a"}, {Name: "b"}}
	hits := []mine.RuleHits{{Rule: "a", HitCount: 1}, {Rule: "ghost", HitCount: 9}, {Rule: "interzone-default"}, {Rule: "ghost", Serial: "2"}, {Rule: "b"}}
	known, unknown := KnownHits(rules, hits)
	if len(known) != 3 || known[1].Rule != "interzone-default" || !slices.Equal(unknown, []string{"ghost"}) {
		t.Errorf("KnownHits = %v, %v; want a, interzone-default, b and ghost named", known, unknown)
	}
}
