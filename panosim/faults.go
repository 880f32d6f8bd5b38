package panosim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults is misbehaviour put in front of a simulator by WithFaults, to
// test a client's patience and resilience: job latency, slow pages, and
// failures injected into log query traffic (type=log requests) on a fixed,
// deterministic schedule. Other requests (keygen, op, config, commit) pass
// untouched, so a client can connect and then meet the faults where volume
// is.
type Faults struct {
	// JobLatency keeps every log query job answering ACT until this long
	// after it was submitted (wall clock).
	JobLatency time.Duration
	// PageCost delays each finished log page by this much per 1000
	// entries it carries, as a real management plane does.
	PageCost time.Duration
	// Every Nth log request (counting all type=log requests from 1) fails
	// in the named way; 0 turns a fault off. HTTP503 answers a web server
	// error page; Reset closes the connection without an answer;
	// SessionTimeout answers PAN-OS error code 22. TruncateEvery counts
	// finished pages instead: every Nth is cut in half (with a matching
	// Content-Length, so the client sees malformed XML rather than a short
	// read).
	HTTP503Every        int
	ResetEvery          int
	SessionTimeoutEvery int
	TruncateEvery       int
	// Now and Sleep default to the wall clock.
	Now   func() time.Time
	Sleep func(time.Duration)
}

// FaultStats counts what a faulty front injected.
type FaultStats struct {
	LogRequests, HTTP503, Resets, SessionTimeouts, Truncated, HeldACT int
}

// FaultyServer is a simulator behind injected faults.
type FaultyServer struct {
	next http.Handler
	f    Faults

	mu        sync.Mutex
	n         int
	pages     int
	submitted map[string]time.Time
	stats     FaultStats
}

// WithFaults wraps a simulator (or any handler) with the given faults.
func WithFaults(next http.Handler, f Faults) *FaultyServer {
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Sleep == nil {
		f.Sleep = time.Sleep
	}
	return &FaultyServer{next: next, f: f, submitted: map[string]time.Time{}}
}

// Stats returns what was injected so far.
func (fs *FaultyServer) Stats() FaultStats {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.stats
}

func faultEvery(n, k int) bool { return k > 0 && n%k == 0 }

// ServeHTTP applies the faults to type=log requests.
func (fs *FaultyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("type") != "log" {
		fs.next.ServeHTTP(w, r)
		return
	}
	action, jobID := r.Form.Get("action"), r.Form.Get("job-id")
	fs.mu.Lock()
	fs.stats.LogRequests++
	fs.n++
	n := fs.n
	var hold bool
	if action == "get" && fs.f.JobLatency > 0 {
		if t, ok := fs.submitted[jobID]; ok && fs.f.Now().Sub(t) < fs.f.JobLatency {
			hold = true
			fs.stats.HeldACT++
		}
	}
	fault := ""
	switch {
	case faultEvery(n, fs.f.ResetEvery):
		fault = "reset"
		fs.stats.Resets++
	case faultEvery(n, fs.f.HTTP503Every):
		fault = "503"
		fs.stats.HTTP503++
	case faultEvery(n, fs.f.SessionTimeoutEvery):
		fault = "timeout"
		fs.stats.SessionTimeouts++
	}
	fs.mu.Unlock()

	switch fault {
	case "reset":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or no hijacking: abort the stream
	case "503":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body><h1>503 Service Unavailable</h1></body></html>")
		return
	case "timeout":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<response status="error" code="22"><msg><line>Session timed out</line></msg></response>`)
		return
	}
	if hold {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<response status="success"><result><job><tenq>00:00:00</tenq><tdeq>00:00:00</tdeq><tlast>00:00:00</tlast><status>ACT</status><id>%s</id></job><log><logs count="0" progress="10"/></log></result></response>`, jobID)
		return
	}

	rec := &faultRecorder{header: http.Header{}, status: http.StatusOK}
	fs.next.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	if action == "" && fs.f.JobLatency > 0 {
		if id := faultBetween(body, "<job>", "</job>"); id != "" {
			fs.mu.Lock()
			fs.submitted[id] = fs.f.Now()
			fs.mu.Unlock()
		}
	}
	if action == "get" && bytes.Contains(body, []byte("<status>FIN</status>")) {
		if fs.f.PageCost > 0 {
			entries := bytes.Count(body, []byte("<entry "))
			fs.f.Sleep(time.Duration(entries) * fs.f.PageCost / 1000)
		}
		fs.mu.Lock()
		fs.pages++
		truncate := faultEvery(fs.pages, fs.f.TruncateEvery)
		if truncate {
			fs.stats.Truncated++
		}
		fs.mu.Unlock()
		if truncate {
			body = body[:len(body)/2]
		}
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	w.Write(body)
}

func faultBetween(b []byte, open, close string) string {
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return ""
	}
	rest := b[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// faultRecorder buffers a handler's answer so faults can be applied to it.
type faultRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *faultRecorder) Header() http.Header         { return r.header }
func (r *faultRecorder) WriteHeader(status int)      { r.status = status }
func (r *faultRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
