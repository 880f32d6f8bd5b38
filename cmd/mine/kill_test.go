//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// killer counts the log query jobs submitted per log type and, when the
// armed one arrives, kills the child process (SIGKILL) before answering:
// the run dies with that query in flight.
type killer struct {
	next http.Handler
	mu   sync.Mutex
	n    map[string]int
	at   string // "threat:3": the third threat submit
	proc *os.Process
	hit  bool
}

func (k *killer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.Form.Get("type") == "log" && r.Form.Get("action") == "" {
		k.mu.Lock()
		typ := r.Form.Get("log-type")
		k.n[typ]++
		armed := k.proc != nil && k.at == fmt.Sprintf("%s:%d", typ, k.n[typ])
		if armed {
			k.proc.Signal(syscall.SIGKILL)
			k.proc.Wait()
			k.hit, k.proc = true, nil
		}
		k.mu.Unlock()
		if armed {
			hangUp(w)
			return
		}
	}
	k.next.ServeHTTP(w, r)
}

func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// A run killed (SIGKILL) while collecting threat logs and traffic logs
// (side by side), at three points, then run again, reports
// exactly what an uninterrupted run reports, with fewer log queries than a
// fresh run, and leaves no checkpoint and no temporary workbook behind.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mine as a child process several times")
	}
	now := time.Now().UTC().Truncate(time.Second)
	sim := panosim.New(panosim.Options{Seed: 3, Start: now.Add(-48 * time.Hour), SessionsPerDay: 1500, PollsBeforeFinish: 1})
	k := &killer{next: sim, n: map[string]int{}}
	h, err := startSim(k, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	os.WriteFile(cert, h.pem, 0o600)
	dep, err := signatures.Connect(context.Background(), collect.Config{Host: h.host, Port: h.port, APIKey: sim.APIKey(), RootCAs: h.pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	sim.Advance(48 * time.Hour)
	until := sim.Now().Format(time.RFC3339)

	mine := func(t *testing.T, name string, extra ...string) (*exec.Cmd, string) {
		t.Helper()
		out := filepath.Join(dir, name)
		args := append([]string{"run", "--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert,
			"--since", "2d", "--until", until, "--slice", "6h", "--jobs", "1", "--progress", "never", "-q", "--evidence", "full",
			"--json", out + ".json", "--out", out + ".xlsx"}, extra...)
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "MINE_TEST_AS_CLI=1", "PANOS_API_KEY="+sim.APIKey(), "XDG_STATE_HOME="+filepath.Join(dir, "state-"+name))
		return cmd, out
	}
	queries := func() map[string]int {
		k.mu.Lock()
		defer k.mu.Unlock()
		m := map[string]int{}
		for t, n := range k.n {
			m[t] = n
		}
		return m
	}
	since := func(before map[string]int) int {
		n := 0
		for t, v := range queries() {
			n += v - before[t]
		}
		return n
	}

	// the uninterrupted run, without checkpoints
	before := queries()
	cmd, out := mine(t, "fresh", "--no-resume")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fresh run: %v\n%s", err, b)
	}
	fresh := readTotals(t, out+".json")
	freshQueries := since(before)
	if fresh.Totals.ThreatLogs == 0 || fresh.Totals.TrafficLogs == 0 {
		t.Fatalf("fresh run totals %+v; the test needs both log types", fresh.Totals)
	}

	for _, point := range []string{"threat:4", "traffic:3", "traffic:5"} {
		t.Run("killed at "+point, func(t *testing.T) {
			name := "killed-" + point[:len(point)-2] + point[len(point)-1:]
			cmd, out := mine(t, name)
			state := filepath.Join(dir, "state-"+name)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			k.mu.Lock()
			k.at, k.proc, k.hit, k.n = point, cmd.Process, false, map[string]int{} // count this run's queries
			k.mu.Unlock()
			err := cmd.Wait()
			k.mu.Lock()
			hit := k.hit
			k.proc = nil
			k.mu.Unlock()
			if !hit {
				t.Fatalf("the run ended (%v) before %s", err, point)
			}
			if _, err := os.Stat(out + ".json"); err == nil {
				t.Fatal("the killed run wrote its JSON")
			}
			ckpts, _ := filepath.Glob(filepath.Join(state, "mine", "checkpoints", "*", "slice-*.ckpt"))
			if len(ckpts) == 0 {
				t.Fatalf("the killed run kept no finished slice")
			}

			before := queries()
			k.mu.Lock()
			k.at = ""
			k.mu.Unlock()
			cmd, _ = mine(t, name)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("rerun: %v\n%s", err, b)
			}
			got := readTotals(t, out+".json")
			if got.Totals != fresh.Totals {
				t.Errorf("rerun totals %+v; an uninterrupted run's %+v", got.Totals, fresh.Totals)
			}
			if got.Collection.Threat.Collected != fresh.Collection.Threat.Collected || got.Collection.Traffic.Collected != fresh.Collection.Traffic.Collected {
				t.Errorf("rerun collected %d/%d; uninterrupted %d/%d", got.Collection.Threat.Collected, got.Collection.Traffic.Collected,
					fresh.Collection.Threat.Collected, fresh.Collection.Traffic.Collected)
			}
			rerun := since(before)
			if rerun >= freshQueries {
				t.Errorf("rerun asked %d log queries; a fresh run asks %d", rerun, freshQueries)
			}
			t.Logf("killed at %s: %d checkpoint slices kept; rerun %d log queries, fresh %d; resumed %d threat and %d traffic slices",
				point, len(ckpts), rerun, freshQueries, got.Collection.Threat.Resumed, got.Collection.Traffic.Resumed)
			if left, _ := filepath.Glob(filepath.Join(state, "mine", "checkpoints", "*")); len(left) != 0 {
				t.Errorf("checkpoints left after the successful rerun: %v", left)
			}
			if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(tmps) != 0 {
				t.Errorf("temporary files left: %v", tmps)
			}
		})
	}
}

type totalsDoc struct {
	Totals struct {
		ThreatLogs        int64 `json:"threat_logs"`
		Responses         int64 `json:"responses"`
		CatchAllResponses int64 `json:"catch_all_responses"`
		TrafficLogs       int64 `json:"traffic_logs"`
		CatchAllSessions  int64 `json:"catch_all_sessions"`
		CatchAllBytes     int64 `json:"catch_all_bytes"`
		DistinctURLs      int   `json:"catch_all_distinct_urls"`
		ScannerResponses  int64 `json:"scanner_responses"`
	} `json:"totals"`
	Collection struct {
		Threat struct {
			Collected int64 `json:"collected"`
			Resumed   int   `json:"slices_resumed"`
		} `json:"threat"`
		Traffic struct {
			Collected int64 `json:"collected"`
			Resumed   int   `json:"slices_resumed"`
		} `json:"traffic"`
	} `json:"collection"`
}

func readTotals(t *testing.T, path string) totalsDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d totalsDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
