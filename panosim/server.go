package panosim

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the device zone must load on hosts without zoneinfo
)

// Options configures a simulated firewall. The zero value is a usable
// scenario for seed 0.
type Options struct {
	// Seed selects the scenario: servers, services, clients, scanners,
	// faults and every random draw of the traffic.
	Seed int64
	// Start is the scenario clock at creation; default 2026-11-01T00:00:00Z.
	Start time.Time
	// TimeZone is the IANA zone of the device; default America/Los_Angeles.
	// Log times and log query filters are in this zone.
	TimeZone string
	// TimeZoneUnset leaves deviceconfig/system/timezone out of the
	// configuration while the clock and the logs keep TimeZone, as on a
	// firewall whose zone a Panorama template sets (clock.go).
	TimeZoneUnset bool
	// Username and Password are the admin credentials accepted by keygen;
	// default "admin" / "paloalto".
	Username, Password string
	// APIKey is the key keygen returns and every request must carry;
	// default: derived from the seed.
	APIKey string
	// SessionsPerDay is the volume of the normal clients on a working day;
	// default 3000. A negative value leaves only the scanners.
	SessionsPerDay int
	// Bare makes the catch-all rule carry the predefined "default"
	// vulnerability profile (which does not log informational threats)
	// instead of the logging corp-profiles group.
	Bare bool
	// PollsBeforeFinish is how many polls of a log or commit job answer
	// ACT before FIN; default 1, a negative value means 0.
	PollsBeforeFinish int
	// ObjectPolicy makes the rulebase use the objects and match conditions
	// real rulebases use: nested static and dynamic address groups
	// (with registered IPs), fqdn, range and wildcard addresses, a service
	// object whose name lies about its port, application groups and an
	// application filter, a rule for some users only, an intrazone rule, a
	// negated source group, and a cleanup rule below the catch-all, which
	// then covers trust to dmz only. Clients get user names through
	// User-ID. Truth is computed on that policy (see doc.go). With
	// Panorama, the generic rules and objects live in shared and the
	// device groups (use DeviceGroupOptions.Parent for a hierarchy) and
	// the server-specific ones on each firewall.
	ObjectPolicy bool
	// Replicas presents every stored log record this many times (default
	// 1): each copy has its own sequence number and otherwise the same
	// fields and receive time, as if that many identical estates sent
	// their traffic through the one device. It multiplies the log volume
	// that log queries page through and reports summarise, and what they
	// cost under Latency, without the memory or the time of simulating
	// the traffic; the distinct clients, servers and URLs stay the same.
	// LogCounts, LogKeys and ServedKeys count the copies; exports carry the
	// stored records once.
	Replicas int
	// Latency, when set, makes log query and report jobs take the time
	// its model gives them on its clock (JobRecords keeps the account).
	Latency *Latency
	// Probers are extra sources asking servers of the model for missing
	// pages at a steady pace (see Prober): a slow scanner, or a busy
	// client polling a broken URL, planted to test a 404 threshold.
	Probers []Prober
	// Panorama, when set, makes the server a Panorama that manages
	// simulated firewalls in device groups (see PanoramaOptions). The
	// other options apply to every managed firewall.
	Panorama *PanoramaOptions

	// managed builds a firewall managed by a Panorama: its catch-all rule
	// comes from the device group's post-rulebase, not from vsys1.
	managed bool
	// hostname and serial override what the seed picks.
	hostname, serial string
	// lineage names the device group of a managed firewall and its
	// ancestors, top-level first.
	lineage []string
}

// defaultStart is the scenario clock of a Server created without
// Options.Start.
var defaultStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// DefaultTimeZone is the device time zone of a Server created without
// Options.TimeZone.
const DefaultTimeZone = "America/Los_Angeles"

// Device identity constants reported by show system info.
const (
	SWVersion     = "10.2.9-h1"
	Model         = "PA-VM"
	AppVersion    = "8795-8489"
	ThreatVersion = "8795-8489"
)

func (o Options) withDefaults() Options {
	if o.Start.IsZero() {
		o.Start = defaultStart
	}
	o.Start = o.Start.UTC().Truncate(time.Second)
	if o.TimeZone == "" {
		o.TimeZone = DefaultTimeZone
	}
	if o.Username == "" {
		o.Username = "admin"
	}
	if o.Password == "" {
		o.Password = "paloalto"
	}
	if o.APIKey == "" {
		o.APIKey = deriveAPIKey(o.Seed)
	}
	switch {
	case o.SessionsPerDay == 0:
		o.SessionsPerDay = 3000
	case o.SessionsPerDay < 0:
		o.SessionsPerDay = 0
	}
	switch {
	case o.PollsBeforeFinish == 0:
		o.PollsBeforeFinish = 1
	case o.PollsBeforeFinish < 0:
		o.PollsBeforeFinish = 0
	}
	return o
}

// Validate reports options New would reject: an unknown time zone, device
// groups with an empty or repeated name, an unknown parent or parents that
// loop, a prober whose source does not parse or whose target is not a
// server of the model.
func (o Options) Validate() error {
	o = o.withDefaults()
	if _, err := time.LoadLocation(o.TimeZone); err != nil {
		return fmt.Errorf("panosim: time zone %q: %w", o.TimeZone, err)
	}
	if o.Panorama != nil {
		if err := o.Panorama.validate(o.ObjectPolicy); err != nil {
			return err
		}
	}
	if len(o.Probers) > 0 {
		loc, _ := time.LoadLocation(o.TimeZone)
		sc := newScenario(Options{Seed: o.Seed, SessionsPerDay: o.SessionsPerDay, ObjectPolicy: o.ObjectPolicy}, loc)
		if err := sc.resolveProbers(o.Probers); err != nil {
			return fmt.Errorf("panosim: %w", err)
		}
	}
	return nil
}

// device is the identity the responses and logs carry.
type device struct {
	dgHier        []string // dg_hier_level_1..4 of a firewall managed by Panorama
	loc           *time.Location
	serial        string
	hostname      string
	natIP         string
	threatVersion string
	boot          time.Time
}

type hitCounter struct {
	count       uint64
	first, last int64
}

type ruleTimes struct{ created, modified int64 }

// Server is a simulated PAN-OS firewall. It implements http.Handler for the
// XML API at /api and /api/, and is safe for concurrent use.
type Server struct {
	mu  sync.Mutex
	o   Options
	sc  *scenario
	dev device

	now      time.Time
	nextHour int64
	pending  []event
	nextSess uint64

	candidate *node
	running   *node
	pol       *policy
	cfgVer    int

	threat     []*logEntry
	traffic    []*logEntry
	seqThreat  uint64
	seqTraffic uint64

	hits      map[string]*hitCounter // by rule uuid
	ruleTimes map[string]*ruleTimes  // by rule uuid
	ruleXML   map[string]string      // running rules by uuid, to see changes

	nextJob int
	commits []*commitJob
	logJobs map[int]*logJob
	// served records what finished log pages carried, queries the jobs
	// submitted, per log type (served.go).
	served  map[string]map[LogKey]struct{}
	queries map[string]int
	// jobClock is the account of every log query and report job
	// (jobclock.go); reportJobs the reports not yet read (report.go).
	jobClock   []*JobRecord
	reportJobs map[int]*reportJob
	// ha is the high-availability pair the firewall belongs to (ha.go).
	ha      *haMember
	uuidSeq int
	truth   Truth

	admins      []account
	configLocks []lock
	commitLocks []lock
	journal     []configOp // uncommitted changes, in order
	failCommit  []string   // reasons for the next commit jobs to fail

	// pushed is the shared policy a Panorama last pushed to this firewall
	// (a <panorama> element), nil when none was.
	pushed *node
	// pushedCtx is the device group context (dg-ctxt) of the last push.
	pushedCtx string

	// User-ID and DNS state the policy reads (see policyEnv).
	reg   *ipRegistry
	users *userMap
	fqdn  map[string][]netip.Addr
	// matchOverride, when set, answers test security-policy-match in
	// place of the evaluation (SetPolicyMatchOverride).
	matchOverride func(Flow) (string, bool)
	// pano is the Panorama state; nil on a firewall.
	pano *panorama

	// blockList is the block list of block-ip actions: until when (unix
	// milliseconds) a source, or a source and destination pair
	// ("src>dst"), is blocked.
	blockList map[string]int64
	// comboHits are the hit times (unix milliseconds) each combination
	// signature counts, per tracked source, destination or pair.
	comboHits map[string][]int64
	// views are what each client saw of its HTTP responses.
	views map[netip.Addr]*ClientView
}

// New returns a simulated firewall (or Panorama) for the options. It panics
// on options Options.Validate rejects: an unknown o.TimeZone, or device
// groups whose names or parents do not fit.
func New(o Options) *Server {
	o = o.withDefaults()
	if o.Panorama != nil {
		return newPanorama(o)
	}
	return newFirewall(o)
}

func newFirewall(o Options) *Server {
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		panic(fmt.Sprintf("panosim: time zone %q: %v", o.TimeZone, err))
	}
	sc := newScenario(o, loc)
	s := &Server{
		o:  o,
		sc: sc,
		dev: device{
			loc: loc, serial: sc.serial, hostname: sc.hostname, natIP: sc.natIP.String(),
			threatVersion: ThreatVersion,
			boot:          o.Start.Add(-(52*time.Hour + time.Duration(mix64(uint64(o.Seed))%86400)*time.Second)),
		},
		now:        o.Start,
		nextSess:   100_000 + mix64(uint64(o.Seed)^7)%400_000,
		cfgVer:     2000 + int(mix64(uint64(o.Seed)^9)%900),
		seqThreat:  mix64(uint64(o.Seed)^11) % 10_000_000,
		seqTraffic: mix64(uint64(o.Seed)^13) % 10_000_000,
		hits:       map[string]*hitCounter{},
		ruleTimes:  map[string]*ruleTimes{},
		nextJob:    1 + int(mix64(uint64(o.Seed)^17)%40),
		logJobs:    map[int]*logJob{},
		admins:     []account{{name: o.Username, password: o.Password, key: o.APIKey}},
		reg:        newIPRegistry(),
		users:      newUserMap(),
		fqdn:       map[string][]netip.Addr{},
		blockList:  map[string]int64{},
		comboHits:  map[string][]int64{},
		views:      map[netip.Addr]*ClientView{},
	}
	sc.plantState(s)
	root, err := parseOne(sc.initialConfig())
	if err != nil {
		panic("panosim: initial configuration: " + err.Error())
	}
	if o.TimeZoneUnset {
		dropTimeZone(root)
	}
	s.running = root
	s.candidate = root.clone()
	if !o.managed {
		if errs := validateFirewall(s.running, nil); len(errs) > 0 {
			panic("panosim: initial configuration: " + strings.Join(errs, "; "))
		}
	}
	s.pol, _ = compilePolicy(s.running, s.pushed, s.policyEnv())
	sc.setTruth(s)
	created := o.Start.Add(-40 * 24 * time.Hour).Unix()
	for i, r := range s.pol.rules {
		t := created + int64(i)*3607
		if r.isDefault {
			t = s.dev.boot.Add(-200 * 24 * time.Hour).Unix()
		}
		s.ruleTimes[r.uuid] = &ruleTimes{created: t, modified: t}
	}
	s.ruleXML = map[string]string{}
	for _, e := range ruleNodes(s.running, s.pushed) {
		s.ruleXML[e.attr("uuid")] = e.String()
	}
	return s
}

// APIKey returns the API key the server accepts.
func (s *Server) APIKey() string { return s.o.APIKey }

// Now returns the scenario clock, in UTC.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Location returns the device time zone.
func (s *Server) Location() *time.Location { return s.dev.loc }

// Truth returns the planted ground truth of the scenario. It depends on the
// options only, not on Advance or on configuration changes.
// On Panorama it is the truth of the first managed firewall (see
// Firewalls for the others).
func (s *Server) Truth() Truth {
	if s.pano != nil {
		return s.pano.firewalls[0].fw.Truth()
	}
	return s.sc.truth()
}

// LogCounts returns how many threat and traffic log entries are stored; on
// Panorama, the sums over the managed firewalls.
func (s *Server) LogCounts() (threat, traffic int) {
	if s.pano != nil {
		for _, fw := range s.Firewalls() {
			th, tr := fw.LogCounts()
			threat += th
			traffic += tr
		}
		return threat, traffic
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.threat) * s.replicas(), len(s.traffic) * s.replicas()
}

// LogResponses returns the HTTP responses the stored threat logs stand
// for: their repeat counts summed, replicas counted; on Panorama, over the
// managed firewalls.
func (s *Server) LogResponses() int {
	if s.pano != nil {
		n := 0
		for _, fw := range s.Firewalls() {
			n += fw.LogResponses()
		}
		return n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.threat {
		n += max(e.repeat, 1)
	}
	return n * s.replicas()
}

// Advance lets the traffic of [Now(), Now()+d) flow against the running
// configuration: logs are written, hit counts updated, and the clock moves.
// Pending commit jobs finish first. Advancing in one call or in several
// produces the same logs.
func (s *Server) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishCommits(len(s.commits))
	if s.ha != nil && !s.ha.isActive() {
		s.idle(s.now.Add(d))
		return
	}
	if s.pano != nil {
		for _, m := range s.pano.firewalls {
			m.fw.Advance(d)
		}
		s.now = s.now.Add(d)
		return
	}
	target := s.now.Add(d)
	cutTarget := target.UnixMilli()
	for {
		hs := s.o.Start.Add(time.Duration(s.nextHour) * time.Hour)
		if !hs.Before(target) {
			break
		}
		for _, ss := range s.sc.genHour(s.nextHour, hs) {
			ss.id = s.nextSess
			s.nextSess++
			s.pending = append(s.pending, event{at: ss.start, s: ss, kind: evStart})
			for i, r := range ss.reqs {
				s.pending = append(s.pending, event{at: r.at, s: ss, kind: evResponse, idx: i})
			}
			s.pending = append(s.pending, event{at: ss.end, s: ss, kind: evEnd})
		}
		s.nextHour++
		s.emit(min(hs.Add(time.Hour).UnixMilli(), cutTarget))
	}
	s.emit(cutTarget)
	s.now = target
}

// emit processes the pending events before cut, in order.
func (s *Server) emit(cut int64) {
	slices.SortFunc(s.pending, eventLess)
	i := 0
	for ; i < len(s.pending) && s.pending[i].at < cut; i++ {
		s.process(s.pending[i])
	}
	n := copy(s.pending, s.pending[i:])
	clear(s.pending[n:])
	s.pending = s.pending[:n]
}

func (s *Server) hit(r *cRule, at int64) {
	sec := floorDiv(at, 1000)
	h := s.hits[r.uuid]
	if h == nil {
		h = &hitCounter{first: sec}
		s.hits[r.uuid] = h
	}
	h.count++
	h.last = sec
}

func (s *Server) newLog(threat bool, at int64, ss *session) *logEntry {
	e := &logEntry{
		threat: threat,
		at:     at,
		wall:   wallClock(time.UnixMilli(at), s.dev.loc),
		s:      ss,
		rule:   ss.rule,
		cfgVer: ss.cfgVer,
	}
	if threat {
		s.seqThreat++
		e.seqno = s.seqThreat
		s.threat = append(s.threat, e)
	} else {
		s.seqTraffic++
		e.seqno = s.seqTraffic
		s.traffic = append(s.traffic, e)
	}
	return e
}

func (s *Server) process(ev event) {
	ss := ev.s
	switch ev.kind {
	case evStart:
		if s.blocked(ss, ev.at) {
			// The block list drops the source's packets before policy:
			// no rule sees the session, no log, no hit.
			ss.denied = true
			s.view(ss.src).BlockedSessions++
			return
		}
		ss.user = s.users.lookup(ss.src, ev.at)
		f := ss.flow(ev.at)
		r := s.pol.match(&f)
		ss.rule, ss.pol, ss.cfgVer = r, s.pol, s.cfgVer
		if r.action == "allow" {
			return
		}
		ss.denied = true
		s.hit(r, ev.at)
		if r.logEnd {
			e := s.newLog(false, ev.at, ss)
			e.subtype = "deny"
			if r.action == "drop" {
				e.subtype = "drop"
			}
			e.action = r.action
			e.app = ss.app
			if r.apps == nil {
				e.app = "not-applicable"
			}
		}
	case evResponse:
		if ss.denied || ss.cut || !httpApps[ss.app] {
			return
		}
		req := &ss.reqs[ev.idx]
		v := s.view(ss.src)
		if s.blocked(ss, ev.at) {
			// Blocked while the session ran: its packets are dropped.
			v.add(v.Reset, req.status, 1)
			s.cutSession(ss, ev.idx)
			return
		}
		hits := ss.pol.sigsFor(ss.rule, req.status)
		stop := false
		act := func(h sigHit, repeat int) {
			e := s.newLog(true, ev.at, ss)
			e.tid, e.name, e.severity, e.action = h.sig.tid, h.sig.name, h.sig.severity, h.act.name
			e.misc = req.host + req.path
			e.repeat = repeat
			e.urlIdx = ev.idx + 1
			if h.act.blocks() {
				stop = true
				e.repeat = 1
			}
			if h.act.name == "block-ip" {
				s.blockSource(ss, h.act, ev.at)
			}
		}
		for _, h := range hits.logged {
			act(h, req.count)
		}
		for _, tid := range hits.detected {
			for _, c := range ss.pol.combosFor(ss.rule, tid) {
				if s.comboFires(c.sig, ss, ev.at, req.count) {
					act(c, 1)
				}
			}
		}
		if stop {
			v.add(v.Reset, req.status, 1)
			s.cutSession(ss, ev.idx)
			return
		}
		v.add(v.Delivered, req.status, req.count)
	case evEnd:
		if ss.denied {
			return
		}
		s.hit(ss.rule, ev.at)
		if ss.rule.logEnd {
			e := s.newLog(false, ev.at, ss)
			e.subtype = "end"
			e.action = "allow"
			e.app = ss.app
		}
	}
}

// cutSession ends a session at its response idx, which a threat action
// (reset, drop, block-ip) kept from the client: the requests after it are
// never made, and the session's traffic log says threat.
func (s *Server) cutSession(ss *session, idx int) {
	ss.cut = true
	ss.endReason = "threat"
	ss.bytesSent, ss.bytesRecv = 200, 120
	for i, r := range ss.reqs[:idx+1] {
		if i < idx {
			ss.bytesSent += int64(r.count * r.reqSize)
			ss.bytesRecv += int64(r.count * r.size)
		} else {
			ss.bytesSent += int64(r.reqSize)
		}
	}
}

// blockKeys are the block list keys a session's packets are checked
// against: its source, and its source and destination pair.
func blockKeys(ss *session) (src, pair string) {
	return ss.src.String(), ss.src.String() + ">" + ss.dst.String()
}

// blocked reports whether the block list drops a session's packets at
// time at.
func (s *Server) blocked(ss *session, at int64) bool {
	if len(s.blockList) == 0 {
		return false
	}
	src, pair := blockKeys(ss)
	return s.blockList[src] > at || s.blockList[pair] > at
}

// blockSource puts a session's source (or its source and destination
// pair) on the block list for the action's duration.
func (s *Server) blockSource(ss *session, a sigAction, at int64) {
	src, pair := blockKeys(ss)
	key := src
	if a.trackBy == "source-and-destination" {
		key = pair
	}
	until := at + int64(a.duration)*1000
	s.blockList[key] = max(s.blockList[key], until)
}

// comboFires counts n hits of a combination signature's child at time at
// for the session's tracked key, and reports whether they reach the
// threshold within the interval; the count starts over when it fires.
func (s *Server) comboFires(c *signature, ss *session, at int64, n int) bool {
	cb := c.combo
	if cb.threshold <= 0 || cb.interval <= 0 {
		return false
	}
	key := strconv.Itoa(c.tid) + "|"
	switch cb.trackBy {
	case "source":
		key += ss.src.String()
	case "destination":
		key += ">" + ss.dst.String()
	default:
		key += ss.src.String() + ">" + ss.dst.String()
	}
	hits := s.comboHits[key]
	from := at - int64(cb.interval)*1000
	i := 0
	for i < len(hits) && hits[i] <= from {
		i++
	}
	hits = hits[i:]
	for range n {
		hits = append(hits, at)
	}
	if len(hits) >= cb.threshold {
		delete(s.comboHits, key)
		return true
	}
	s.comboHits[key] = hits
	return false
}

// ClientView is what one client saw of its HTTP responses: those
// delivered and those a threat action replaced by a reset (or dropped),
// per status code, and its sessions dropped while it was on the block
// list.
type ClientView struct {
	Source          string      `json:"source"`
	Delivered       map[int]int `json:"delivered"`
	Reset           map[int]int `json:"reset"`
	BlockedSessions int         `json:"blocked_sessions"`
}

func (v *ClientView) add(m map[int]int, code, n int) { m[code] += n }

func (s *Server) view(src netip.Addr) *ClientView {
	v := s.views[src]
	if v == nil {
		v = &ClientView{Source: src.String(), Delivered: map[int]int{}, Reset: map[int]int{}}
		s.views[src] = v
	}
	return v
}

// ClientView returns what a client (by address) saw of its HTTP
// responses so far; on Panorama, summed over the managed firewalls.
func (s *Server) ClientView(src string) ClientView {
	out := ClientView{Source: src, Delivered: map[int]int{}, Reset: map[int]int{}}
	if s.pano != nil {
		for _, fw := range s.Firewalls() {
			v := fw.ClientView(src)
			for k, n := range v.Delivered {
				out.Delivered[k] += n
			}
			for k, n := range v.Reset {
				out.Reset[k] += n
			}
			out.BlockedSessions += v.BlockedSessions
		}
		return out
	}
	a, err := netip.ParseAddr(src)
	if err != nil {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.views[a]; v != nil {
		for k, n := range v.Delivered {
			out.Delivered[k] = n
		}
		for k, n := range v.Reset {
			out.Reset[k] = n
		}
		out.BlockedSessions = v.BlockedSessions
	}
	return out
}

// ServeHTTP answers XML API requests at /api and /api/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			writeResponse(w, errorResp(500, 2, fmt.Sprintf("internal error: %v", p)))
		}
	}()
	if r.URL.Path != "/api" && r.URL.Path != "/api/" {
		writeResponse(w, response{httpStatus: http.StatusNotFound, body: errorBody(0, "not found")})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeResponse(w, response{httpStatus: http.StatusMethodNotAllowed, body: errorBody(0, "method not allowed")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 32<<20)
	if err := r.ParseForm(); err != nil {
		writeResponse(w, errorResp(400, 400, "bad request: "+err.Error()))
		return
	}
	req := &request{form: r.Form, header: r.Header}
	req.user, req.pass, req.basic = r.BasicAuth()
	s.mu.Lock()
	defer s.mu.Unlock()
	writeResponse(w, s.handle(req))
}
