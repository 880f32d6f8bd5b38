package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// An HA pair found from the device: the pipeline reads the peer's hit
// counters at the management address the HA state gives (same
// credentials, same port), the report lists both members, and readiness
// marks every member reported from what was read; with the peer down,
// the criterion fails and names it.
func TestPipelineHAPair(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	pair := panosim.NewHAPair(panosim.Options{Seed: 6, Start: now.Add(-48 * time.Hour), SessionsPerDay: 300, PollsBeforeFinish: 1}, "127.0.0.1", "127.0.0.2")
	active, passive := pair.Members()[0], pair.Members()[1]

	tlsCfg, pem, err := panosim.SelfSignedTLS("127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	la, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := la.Addr().(*net.TCPAddr).Port
	lb, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)))
	if err != nil {
		la.Close()
		t.Skipf("127.0.0.2 not usable here: %v", err)
	}
	serve := func(l net.Listener, h http.Handler) *http.Server {
		s := &http.Server{Handler: h}
		go s.Serve(tls.NewListener(l, tlsCfg))
		return s
	}
	sa, sb := serve(la, active), serve(lb, passive)
	defer sa.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	dep, err := signatures.Connect(context.Background(), collect.Config{Host: "127.0.0.1", Port: port, APIKey: active.APIKey(), RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	pair.Advance(48 * time.Hour)

	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
	run := func() *mine.Report {
		t.Helper()
		p := pipeline{conn: collect.Config{Host: "127.0.0.1", Port: port, APIKey: active.APIKey(), RootCAs: pool, Now: active.Now, Timeout: 2 * time.Second},
			vsys: "vsys1", since: 48 * time.Hour, now: active.Now(), tune: fastPolls}
		r, err := p.run(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	devices := func(r *mine.Report) mine.Criterion {
		for _, c := range r.Readiness[0].Criteria {
			if c.Name == correlate.CriterionDevices {
				return c
			}
		}
		t.Fatalf("no %s criterion in %+v", correlate.CriterionDevices, r.Readiness)
		return mine.Criterion{}
	}

	r := run()
	ha := r.Collection.HA
	if len(ha) != 2 || ha[0].Serial != active.Serial() || ha[1].Serial != passive.Serial() || !ha[1].Reported || ha[1].Address != "127.0.0.2" || ha[1].State != "passive" {
		t.Fatalf("HA members %+v; want %s and its reported peer %s at 127.0.0.2", ha, active.Serial(), passive.Serial())
	}
	if c := devices(r); c.Result != "pass" || !strings.Contains(c.Evidence, passive.Serial()) {
		t.Errorf("devices criterion %+v; want a pass naming the peer", c)
	}
	for _, h := range r.HitCounts {
		if h.Rule == "Allow-Web-Ports" && h.HitCount == 0 {
			t.Error("the hit count table lost the connected device's counters")
		}
	}

	sb.Close() // the peer goes away
	r = run()
	if ha := r.Collection.HA; len(ha) != 2 || ha[1].Reported || ha[1].Error == "" {
		t.Errorf("HA members with the peer down %+v; want it named, not reported", ha)
	}
	if c := devices(r); c.Result != "fail" || !strings.Contains(c.Evidence, "127.0.0.2") {
		t.Errorf("devices criterion with the peer down %+v; want a failure naming the peer", c)
	}
}
