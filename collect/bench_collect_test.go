package collect

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// BenchmarkCollectPage measures what the collector adds to parsing: one
// 5000-entry page fetched over loopback TLS, checked entry by entry and
// delivered, per op. The fake device answers the first query of a slice
// with the page and the next (from the page's newest second) with nothing.
func BenchmarkCollectPage(b *testing.B) {
	page := benchPage(5000, true)
	empty := []byte(`<response status="success"><result><job><status>FIN</status><id>1</id></job><log><logs count="0" progress="100"/></log></result></response>`)
	var job atomic.Int64
	queries := map[int64]bool{} // job -> full page
	var mu = make(chan struct{}, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch {
		case r.Form.Get("type") == "op" && strings.Contains(r.Form.Get("cmd"), "<system><info/>"):
			fmt.Fprint(w, `<response status="success"><result><system><hostname>fw</hostname><model>PA-VM</model><sw-version>10.2.9</sw-version><serial>007054000123456</serial></system></result></response>`)
		case r.Form.Get("type") == "config":
			fmt.Fprint(w, `<response status="success"><result><timezone>America/Los_Angeles</timezone></result></response>`)
		case r.Form.Get("type") == "log" && r.Form.Get("action") == "":
			id := job.Add(1)
			mu <- struct{}{}
			queries[id] = strings.Contains(r.Form.Get("query"), "geq '2026/11/20 09:00:00'")
			<-mu
			fmt.Fprintf(w, `<response status="success" code="19"><result><msg><line>query job enqueued with jobid %d</line></msg><job>%d</job></result></response>`, id, id)
		case r.Form.Get("type") == "log" && r.Form.Get("action") == "get":
			id, _ := strconv.ParseInt(r.Form.Get("job-id"), 10, 64)
			mu <- struct{}{}
			full := queries[id]
			<-mu
			if full {
				w.Write(page)
			} else {
				w.Write(empty)
			}
		default:
			fmt.Fprint(w, `<response status="success"><result/></response>`) // other ops pango sends at connect
		}
	}))
	defer srv.Close()
	host, portS, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portS)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := Connect(context.Background(), Config{Host: host, Port: port, APIKey: "k", RootCAs: pool}, "vsys1")
	if err != nil {
		b.Fatal(err)
	}
	c.PollStart, c.PollMax, c.Jobs = time.Millisecond, time.Millisecond, 1
	la, _ := time.LoadLocation("America/Los_Angeles")
	from := time.Date(2026, 11, 20, 9, 0, 0, 0, la).UTC()
	w := mine.Window{From: from, To: from.Add(2 * time.Hour)}
	c.SliceLength = 2*time.Hour + time.Second
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if _, err := c.ThreatLogs(context.Background(), w, 41000, 41059, func(*mine.ThreatLog) error { n++; return nil }); err != nil || n != 5000 {
			b.Fatalf("collected %d entries, %v; want 5000", n, err)
		}
	}
	b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
