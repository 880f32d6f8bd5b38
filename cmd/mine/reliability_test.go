package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// counting counts the requests that reach a handler.
type counting struct {
	next http.Handler
	n    atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.next.ServeHTTP(w, r)
}

// deployedSim serves a simulator made with o on loopback, behind wrap
// (nil: none), until the test ends, deploys the signatures on it and lets
// it log for advance.
func deployedSim(t testing.TB, o panosim.Options, wrap func(http.Handler) http.Handler, advance time.Duration) (*panosim.Server, *simHost) {
	t.Helper()
	sim := panosim.New(o)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	host, err := startSim(h, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.close() })
	dep, err := signatures.Connect(context.Background(), collect.Config{Host: host.host, Port: host.port, APIKey: sim.APIKey(), RootCAs: host.pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	sim.Advance(advance)
	return sim, host
}

// loggingDevice serves a simulator with the signatures deployed and a day
// of traffic, behind wrap (nil: none), and returns its host, its
// certificate file and the simulator.
func loggingDevice(t *testing.T, o panosim.Options, wrap func(http.Handler) http.Handler) (*simHost, string, *panosim.Server) {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	}
	o.PollsBeforeFinish = 1
	sim, host := deployedSim(t, o, wrap, 24*time.Hour)
	cert := filepath.Join(t.TempDir(), "cert.pem")
	os.WriteFile(cert, host.pem, 0o644)
	return host, cert, sim
}

// Connection failures say what is wrong and what to do, with exit 3: an
// untrusted certificate is not called unreachable.
func TestConnectionErrorsActionable(t *testing.T) {
	h, _, sim := loggingDevice(t, panosim.Options{Seed: 2, SessionsPerDay: 200}, nil)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	stop := make(chan struct{})
	hang := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // the body read, the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	hang.StartTLS()
	defer hang.Close()
	defer close(stop)
	hangHost, hangPortS, _ := net.SplitHostPort(hang.Listener.Addr().String())

	env := map[string]string{"PANOS_API_KEY": sim.APIKey(), "XDG_STATE_HOME": t.TempDir()}
	common := []string{"--json", os.DevNull, "--out", "", "--since", "1d", "--no-resume", "--progress", "never"}
	tests := []struct {
		name string
		args []string
		code int
		want []string
		not  string
	}{
		{"untrusted certificate", []string{"run", "--host", h.host, "--port", strconv.Itoa(h.port)}, exitDevice,
			[]string{"not trusted by this system", "--ca-file", "--insecure-skip-verify"}, "unreachable"},
		{"refused", []string{"run", "--host", "127.0.0.1", "--port", strconv.Itoa(closedPort)}, exitDevice,
			[]string{"refused the connection", "--port"}, "certificate"},
		{"timeout", []string{"run", "--host", hangHost, "--port", hangPortS, "--insecure-skip-verify", "--timeout", "300ms"}, exitDevice,
			[]string{"no answer from", "--timeout"}, "not trusted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, env, append(tc.args, common...)...)
			if code != tc.code {
				t.Errorf("exit %d; want %d\n%s", code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if tc.not != "" && strings.Contains(errs, tc.not) {
				t.Errorf("stderr says %q:\n%s", tc.not, errs)
			}
		})
	}
}

// Resets on log queries only, after the device answered everything else:
// the collection broke off (exit 1), the device was not unreachable.
func TestResetsOnLogQueriesOnly(t *testing.T) {
	h, _, sim := loggingDevice(t, panosim.Options{Seed: 2, SessionsPerDay: 200}, func(next http.Handler) http.Handler {
		return panosim.WithFaults(next, panosim.Faults{ResetEvery: 1})
	})
	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
	p := pipeline{conn: collect.Config{Host: h.host, Port: h.port, APIKey: sim.APIKey(), RootCAs: h.pool, Now: sim.Now},
		vsys: "vsys1", since: 24 * time.Hour, now: sim.Now(), evidence: evidenceFull, // the faults hit log queries
		tune: func(c *collect.Client) { c.PollStart, c.RetryBase = time.Millisecond, time.Millisecond }}
	_, err := p.run(context.Background(), d)
	if code := exitCode(context.Background(), err); code != exitFailure || !strings.Contains(err.Error(), "stopped answering during the collection") {
		t.Errorf("run with every log request reset = %v, exit %d; want exit %d, the collection broken off", err, code, exitFailure)
	}
}

// What can be checked before collecting is checked before the device
// hears a single request: outputs, catch-all names, the zone flag.
func TestCheckedBeforeCollection(t *testing.T) {
	c := &counting{}
	h, cert, sim := loggingDevice(t, panosim.Options{Seed: 2, SessionsPerDay: 200}, func(next http.Handler) http.Handler { c.next = next; return c })
	dir := t.TempDir()
	ro := filepath.Join(dir, "read-only")
	os.Mkdir(ro, 0o500)
	env := map[string]string{"PANOS_API_KEY": sim.APIKey(), "XDG_STATE_HOME": t.TempDir()}
	base := []string{"run", "--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert, "--since", "1d", "--no-resume", "--progress", "never"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"workbook in a missing directory", []string{"--out", filepath.Join(dir, "nope", "r.xlsx")}, "does not exist"},
		{"JSON onto a directory", []string{"--out", "", "--json", dir}, "is a directory"},
		{"catch-all name with a quote", []string{"--out", "", "--json", os.DevNull, "--catch-all", "Bob's rule"}, "cannot express"},
		{"unknown zone", []string{"--out", "", "--json", os.DevNull, "--device-tz", "Mars/Olympus"}, "--device-tz"},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"workbook in a read-only directory", []string{"--out", filepath.Join(ro, "r.xlsx")}, "cannot write"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := c.n.Load()
			code, _, errs := runCLI(t, env, append(base, tc.args...)...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", code, errs, exitUsage, tc.want)
			}
			if n := c.n.Load() - before; n != 0 {
				t.Errorf("the device got %d requests before the refusal", n)
			}
		})
	}
}

// A run that fails half-way keeps its checkpoints: mine checkpoints list
// shows them, the rerun replays them and removes them once its report is
// written; clean removes what is left.
func TestCheckpointsCommand(t *testing.T) {
	var refuseTraffic atomic.Bool
	h, cert, sim := loggingDevice(t, panosim.Options{Seed: 2, SessionsPerDay: 600}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if refuseTraffic.Load() && r.Form.Get("log-type") == "traffic" {
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`<response status="error" code="403"><result><msg>Invalid Credential</msg></result></response>`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	state := t.TempDir()
	env := map[string]string{"PANOS_API_KEY": sim.APIKey(), "XDG_STATE_HOME": state}
	args := []string{"run", "--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert, "--since", "1d",
		"--until", sim.Now().Format(time.RFC3339), "--out", "", "--json", os.DevNull, "--progress", "never", "-q",
		"--evidence", "full"} // checkpoints keep raw entries
	refuseTraffic.Store(true)
	if code, _, errs := runCLI(t, env, args...); code != exitDevice {
		t.Fatalf("run with traffic queries refused = %d; want %d\n%s", code, exitDevice, errs)
	}
	code, out, errs := runCLI(t, env, "checkpoints", "list", "--format", "tsv")
	if code != 0 || !strings.Contains(out, "threat\t"+sim.Serial()) || !strings.Contains(out, "\tno\n") {
		t.Fatalf("checkpoints list = %d:\n%s%s", code, out, errs)
	}
	refuseTraffic.Store(false)
	before := sim.LogQueries()["threat"]
	if code, _, errs := runCLI(t, env, args...); code != 0 {
		t.Fatalf("rerun = %d\n%s", code, errs)
	}
	if n := sim.LogQueries()["threat"] - before; n != 0 {
		t.Errorf("the rerun asked %d threat queries; the checkpoint held them all", n)
	}
	if _, out, _ := runCLI(t, env, "checkpoints", "list", "--format", "tsv"); strings.Count(out, "\n") != 1 {
		t.Errorf("checkpoints left after a successful run:\n%s", out)
	}
	if code, _, errs := runCLI(t, env, "checkpoints", "clean"); code != exitUsage || !strings.Contains(errs, "--all") {
		t.Errorf("checkpoints clean without a choice = %d, %s", code, errs)
	}
	refuseTraffic.Store(true)
	runCLI(t, env, args...)
	code, out, errs = runCLI(t, env, "checkpoints", "clean", "--all")
	if code != 0 || !strings.Contains(out, "1 checkpoint(s) removed") {
		t.Errorf("checkpoints clean --all = %d:\n%s%s", code, out, errs)
	}
}

// Writing the JSON removes the temporary files of runs killed long ago,
// not one a run may be writing now.
func TestJSONStaleTemps(t *testing.T) {
	dir := t.TempDir()
	old, recent := filepath.Join(dir, ".mine-1.tmp"), filepath.Join(dir, ".mine-2.tmp")
	os.WriteFile(old, nil, 0o600)
	os.WriteFile(recent, nil, 0o600)
	long := time.Now().Add(-time.Hour)
	os.Chtimes(old, long, long)
	if err := writeFileAtomic(filepath.Join(dir, "r.json"), func(w io.Writer) error { _, err := w.Write([]byte("{}")); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("a temporary file an hour old survived")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Error("a fresh temporary file was removed")
	}
}
