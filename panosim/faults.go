package panosim

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults is misbehaviour put in front of a simulator by WithFaults, to
// test a client's patience and resilience: job latency, slow pages, and
// failures and bad answers injected into log query traffic (type=log
// requests) on a fixed, deterministic schedule. Other requests (keygen,
// op, config, commit) pass untouched unless HTMLOn or EmptyOn names them,
// so a client can connect and then meet the faults where volume is.
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
	// SessionTimeout answers PAN-OS error code 22; LostAnswer lets the
	// device do the work (a job enqueued, a finished page read and its job
	// deleted) and then closes the connection before the answer.
	HTTP503Every        int
	ResetEvery          int
	SessionTimeoutEvery int
	LostAnswerEvery     int
	// The page faults count finished pages (FIN answers) from 1.
	// TruncateEvery cuts every Nth in half (with a matching Content-Length,
	// so the client sees malformed XML rather than a short read).
	// LostFinalEvery reads every Nth page (the device deletes its job) and
	// closes the connection instead of answering. SlowFinalEvery holds
	// every Nth page back for SlowFinal before answering: a client whose
	// timeout is shorter gives up on a job the device has already deleted.
	TruncateEvery  int
	LostFinalEvery int
	SlowFinalEvery int
	SlowFinal      time.Duration
	// These count finished pages that carry entries. DuplicateEvery
	// repeats one entry of every Nth such page in place, and
	// RepeatEvery serves again, at its start, the first entry of the page
	// before it in the same slice of time (an entry the client already
	// has, older than what it asked for); OutsideEvery adds a stored entry
	// received just after the query's time range (none when nothing came
	// after);
	// MismatchEvery adds a copy of one entry, under a new sequence
	// number, that does not match the query's filter (another threat ID,
	// another rule); ShortEvery drops the last entry while the count
	// attribute still announces it. ShortAlways makes every such page
	// short. GarbleEvery replaces the sequence number of one entry with
	// text that is no number (the XML stays well formed).
	DuplicateEvery int
	GarbleEvery    int
	RepeatEvery    int
	OutsideEvery   int
	MismatchEvery  int
	ShortEvery     int
	ShortAlways    bool
	// HTMLOn answers a login portal page, and EmptyOn an empty body (both
	// HTTP 200), to every request whose cmd or xpath contains the string;
	// "" turns them off.
	HTMLOn  string
	EmptyOn string
	// Now and Sleep default to the wall clock.
	Now   func() time.Time
	Sleep func(time.Duration)
}

// FaultStats counts what a faulty front injected. The planted entries
// (Duplicated, Repeated, Outside, Mismatched) and the entries Short pages
// left out are exactly what a validating client must drop or ask again
// for.
type FaultStats struct {
	LogRequests, HTTP503, Resets, SessionTimeouts, Truncated, HeldACT int
	LostAnswers, LostFinals, SlowFinals                               int
	Duplicated, Repeated, Outside, Mismatched, Short, Garbled         int
	HTML, Empty                                                       int
}

// FaultyServer is a simulator behind injected faults.
type FaultyServer struct {
	next http.Handler
	f    Faults

	mu        sync.Mutex
	n         int
	pages     int
	full      int // finished pages with entries
	submitted map[string]time.Time
	queries   map[string]submitted // by job ID
	// firstOf remembers, per query without its start bound, the first
	// entry of the last page served (RepeatEvery).
	firstOf map[string][]byte
	stats   FaultStats
}

// submitted is what a log job was asked.
type submitted struct{ logType, query string }

// WithFaults wraps a simulator (or any handler) with the given faults.
// OutsideEvery needs the simulator itself behind (a *Server): it fetches
// the entries it plants from the simulator's store.
func WithFaults(next http.Handler, f Faults) *FaultyServer {
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Sleep == nil {
		f.Sleep = time.Sleep
	}
	return &FaultyServer{next: next, f: f, submitted: map[string]time.Time{},
		queries: map[string]submitted{}, firstOf: map[string][]byte{}}
}

// Stats returns what was injected so far.
func (fs *FaultyServer) Stats() FaultStats {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.stats
}

func faultEvery(n, k int) bool { return k > 0 && n%k == 0 }

// loginPage is what a captive portal or a proxy's login answers.
const loginPage = `<!DOCTYPE html><html><head><title>Login</title></head><body><form action="/php/login.php"><input name="user"></form></body></html>`

// ServeHTTP applies the faults.
func (fs *FaultyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fs.next.ServeHTTP(w, r)
		return
	}
	if fs.badAnswer(w, r) {
		return
	}
	if r.Form.Get("type") != "log" {
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
	case faultEvery(n, fs.f.LostAnswerEvery) && !hold:
		fault = "lost"
		fs.stats.LostAnswers++
	}
	fs.mu.Unlock()

	switch fault {
	case "reset":
		hangUp(w)
		return
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
	if action == "" {
		if id := faultBetween(body, "<job>", "</job>"); id != "" {
			fs.mu.Lock()
			fs.submitted[id] = fs.f.Now()
			fs.queries[id] = submitted{r.Form.Get("log-type"), r.Form.Get("query")}
			fs.mu.Unlock()
		}
	}
	if fault == "lost" {
		hangUp(w)
		return
	}
	if action == "get" && bytes.Contains(body, []byte("<status>FIN</status>")) {
		var lost, slow bool
		body, lost, slow = fs.finished(body, fs.query(jobID, r))
		if lost {
			hangUp(w)
			return
		}
		if slow {
			fs.f.Sleep(fs.f.SlowFinal)
		}
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	w.Write(body)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2 or no hijacking: abort the stream
}

// query returns what the job was asked, with the request's target.
func (fs *FaultyServer) query(jobID string, r *http.Request) submitted {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	q := fs.queries[jobID]
	delete(fs.queries, jobID)
	if t := r.Form.Get("target"); t != "" {
		q.logType += "@" + t
	}
	return q
}

// badAnswer answers HTMLOn and EmptyOn requests; false when r is not one.
func (fs *FaultyServer) badAnswer(w http.ResponseWriter, r *http.Request) bool {
	subject := r.Form.Get("cmd") + "\x00" + r.Form.Get("xpath")
	switch {
	case fs.f.HTMLOn != "" && strings.Contains(subject, fs.f.HTMLOn):
		fs.mu.Lock()
		fs.stats.HTML++
		fs.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, loginPage)
		return true
	case fs.f.EmptyOn != "" && strings.Contains(subject, fs.f.EmptyOn):
		fs.mu.Lock()
		fs.stats.Empty++
		fs.mu.Unlock()
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return true
	}
	return false
}

// finished applies the page faults to a FIN answer of the job that asked
// q. lost means the answer must not arrive; slow that it comes late.
func (fs *FaultyServer) finished(body []byte, q submitted) (out []byte, lost, slow bool) {
	if fs.f.PageCost > 0 {
		entries := bytes.Count(body, []byte("<entry "))
		fs.f.Sleep(time.Duration(entries) * fs.f.PageCost / 1000)
	}
	pg := splitPage(body)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.pages++
	if faultEvery(fs.pages, fs.f.LostFinalEvery) {
		fs.stats.LostFinals++
		return body, true, false
	}
	if faultEvery(fs.pages, fs.f.SlowFinalEvery) && fs.f.SlowFinal > 0 {
		fs.stats.SlowFinals++
		slow = true
	}
	if faultEvery(fs.pages, fs.f.TruncateEvery) {
		fs.stats.Truncated++
		return body[:len(body)/2], false, slow
	}
	if pg == nil || len(pg.entries) == 0 {
		return body, false, slow
	}
	fs.full++
	k := fs.full
	stream := q.logType + "|" + withoutStart(q.query)
	prevFirst := fs.firstOf[stream]
	fs.firstOf[stream] = slices.Clone(pg.entries[0])
	if faultEvery(k, fs.f.DuplicateEvery) {
		i := len(pg.entries) / 2
		pg.entries = slices.Insert(pg.entries, i+1, pg.entries[i])
		fs.stats.Duplicated++
	}
	if faultEvery(k, fs.f.RepeatEvery) && prevFirst != nil && receivedBefore(prevFirst, q.query) {
		pg.entries = slices.Insert(pg.entries, 0, prevFirst)
		fs.stats.Repeated++
	}
	if faultEvery(k, fs.f.MismatchEvery) {
		if e := mismatched(pg.entries[0]); e != nil {
			pg.entries = append(pg.entries, e)
			fs.stats.Mismatched++
		}
	}
	if faultEvery(k, fs.f.OutsideEvery) {
		if sim, ok := fs.next.(*Server); ok {
			if e := sim.entryOutside(q); e != nil {
				pg.entries = append(pg.entries, e)
				fs.stats.Outside++
			}
		}
	}
	if faultEvery(k, fs.f.GarbleEvery) {
		i := len(pg.entries) / 3
		pg.entries[i] = seqnoEl.ReplaceAll(slices.Clone(pg.entries[i]), []byte("<seqno>12x</seqno>"))
		fs.stats.Garbled++
	}
	count := len(pg.entries)
	if fs.f.ShortAlways || faultEvery(k, fs.f.ShortEvery) {
		pg.entries = pg.entries[:len(pg.entries)-1]
		fs.stats.Short++
	}
	return pg.join(count), false, slow
}

// page is a FIN answer cut around its entries.
type page struct {
	head    []byte // up to and including <logs ...>, count attribute removed
	entries [][]byte
	tail    []byte // from </logs>
}

var countAttr = regexp.MustCompile(` count="\d+"`)

// splitPage cuts a FIN answer; nil when it has no <logs> element.
func splitPage(body []byte) *page {
	i := bytes.Index(body, []byte("<logs "))
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(body[i:], '>')
	if j < 0 || body[i+j-1] == '/' {
		return nil
	}
	open := body[:i+j+1]
	end := bytes.LastIndex(body, []byte("</logs>"))
	if end < 0 {
		return nil
	}
	pg := &page{head: countAttr.ReplaceAll(slices.Clone(open), nil), tail: slices.Clone(body[end:])}
	rest := body[i+j+1 : end]
	for {
		a := bytes.Index(rest, []byte("<entry "))
		if a < 0 {
			break
		}
		b := bytes.Index(rest[a:], []byte("</entry>"))
		if b < 0 {
			break
		}
		pg.entries = append(pg.entries, slices.Clone(rest[a:a+b+len("</entry>")]))
		rest = rest[a+b+len("</entry>"):]
	}
	return pg
}

// join renders the page with the given count attribute.
func (pg *page) join(count int) []byte {
	var b bytes.Buffer
	b.Write(pg.head[:len(pg.head)-1])
	fmt.Fprintf(&b, ` count="%d">`, count)
	for _, e := range pg.entries {
		b.Write(e)
	}
	b.Write(pg.tail)
	return b.Bytes()
}

var (
	seqnoEl  = regexp.MustCompile(`<seqno>(\d+)</seqno>`)
	tidEl    = regexp.MustCompile(`<tid>\d+</tid>`)
	ruleEl   = regexp.MustCompile(`<rule>[^<]*</rule>`)
	timeTerm = regexp.MustCompile(`\s*(and\s*)?\(receive_time (geq|leq) '([^']*)'\)`)
)

// mismatched copies a rendered entry under a new sequence number with a
// field the query did not ask for: a threat ID outside the signatures'
// range, or another rule. nil when the entry has neither field.
func mismatched(e []byte) []byte {
	m := seqnoEl.FindSubmatch(e)
	if m == nil {
		return nil
	}
	seq, _ := strconv.ParseUint(string(m[1]), 10, 64)
	out := seqnoEl.ReplaceAll(slices.Clone(e), []byte(fmt.Sprintf("<seqno>%d</seqno>", seq+1<<52)))
	switch {
	case tidEl.Match(out):
		out = tidEl.ReplaceAll(out, []byte("<tid>30845</tid>"))
	case ruleEl.Match(out):
		out = ruleEl.ReplaceAll(out, []byte("<rule>panosim-other-rule</rule>"))
	default:
		return nil
	}
	return out
}

// receivedBefore reports whether the entry was received before the
// query's lower time bound: serving it again is a fault, not the overlap
// at the bound that paging by time expects.
func receivedBefore(e []byte, q string) bool {
	at := faultBetween(e, "<receive_time>", "</receive_time>")
	for _, m := range timeTerm.FindAllStringSubmatch(q, -1) {
		if m[2] == "geq" {
			return at != "" && at < m[3]
		}
	}
	return false
}

// withoutStart drops the receive_time lower bound of a query, so the pages
// of one slice of time share it.
func withoutStart(q string) string {
	return timeTerm.ReplaceAllStringFunc(q, func(t string) string {
		if strings.Contains(t, "geq") {
			return ""
		}
		return t
	})
}

// entryOutside renders a stored entry of the queried log type that matches
// the query's filter but was received just after its time range; nil when
// there is none or the query has no time range.
func (s *Server) entryOutside(q submitted) []byte {
	logType, target, _ := strings.Cut(q.logType, "@")
	if s.pano != nil {
		m := s.managed(target)
		if m == nil {
			m = s.pano.firewalls[0]
		}
		return m.fw.entryOutside(submitted{logType: logType, query: q.query})
	}
	full, err := compileQuery(q.query, logType)
	if err != nil || full.wallHi == math.MaxInt64 {
		return nil
	}
	rest, err := compileQuery(strings.TrimPrefix(strings.TrimSpace(timeTerm.ReplaceAllString(q.query, "")), "and "), logType)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.traffic
	if logType == "threat" {
		store = s.threat
	}
	pick := func(e *logEntry) []byte {
		var b strings.Builder
		e.render(&b, &s.dev, logRef{e: e}.seqno(s.replicas()))
		return []byte(b.String())
	}
	for _, e := range store {
		if e.wall > full.wallHi && rest.match(e) {
			return pick(e)
		}
	}
	return nil
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
