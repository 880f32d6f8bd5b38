package panosim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PanoramaOptions makes a Server a Panorama. Each device group manages
// simulated firewalls, each a full firewall Server with its own traffic
// model, reachable through Panorama with target=<serial> or directly
// through Firewalls. The device group holds the catch-all rule in its
// post-rulebase, with the corp-profiles group (or, with Options.Bare, the
// predefined default vulnerability profile); the firewalls start in sync.
type PanoramaOptions struct {
	DeviceGroups []DeviceGroupOptions
}

// DeviceGroupOptions describes one device group.
type DeviceGroupOptions struct {
	Name string
	// Parent names the parent device group ("" for a top-level group,
	// whose parent is shared). A child group inherits its ancestors'
	// objects and rules: a managed firewall evaluates shared pre-rules,
	// its ancestors' pre-rules (root first), its group's pre-rules, its
	// local rules, its group's post-rules, its ancestors' post-rules
	// (nearest first), shared post-rules, then the default rules. The
	// catch-all rule lives in the post-rulebase of each top-level group.
	Parent string
	// Firewalls is how many firewalls the group manages; default 1, a
	// negative value means none (a group that only holds policy for its
	// children).
	Firewalls int
}

// validate checks the device group names and hierarchy. With
// ObjectPolicy a group that manages firewalls may not have descendants
// that do: both would hold the rules of a firewall's own group.
func (p *PanoramaOptions) validate(objectPolicy bool) error {
	parents := map[string]string{}
	for _, dg := range p.DeviceGroups {
		if dg.Name == "" {
			return errors.New("panosim: a device group has no name")
		}
		if _, dup := parents[dg.Name]; dup {
			return fmt.Errorf("panosim: device group %q is defined twice", dg.Name)
		}
		parents[dg.Name] = dg.Parent
	}
	for _, dg := range p.DeviceGroups {
		seen := map[string]bool{}
		for g := dg.Name; g != ""; g = parents[g] {
			if seen[g] {
				return fmt.Errorf("panosim: device group %q: parents loop through %q", dg.Name, g)
			}
			seen[g] = true
			if _, ok := parents[g]; !ok {
				return fmt.Errorf("panosim: device group %q: parent %q is not a device group", dg.Name, g)
			}
		}
	}
	if objectPolicy {
		for _, dg := range p.DeviceGroups {
			if dg.Firewalls < 0 {
				continue
			}
			for g := parents[dg.Name]; g != ""; g = parents[g] {
				for _, a := range p.DeviceGroups {
					if a.Name == g && a.Firewalls >= 0 {
						return fmt.Errorf("panosim: ObjectPolicy: device groups %q and its ancestor %q both manage firewalls", dg.Name, g)
					}
				}
			}
		}
	}
	return nil
}

// PanoramaModel is the model a simulated Panorama reports.
const PanoramaModel = "Panorama"

// panorama is the state of a Server in Panorama mode.
type panorama struct {
	firewalls []*managedFW
	// failPush holds, per serial, the reasons for its next pushes to fail.
	failPush map[string][]string
}

// managedFW is a firewall managed by the Panorama.
type managedFW struct {
	fw        *Server
	dg        string
	connected bool
}

func (m *managedFW) serial() string { return m.fw.dev.serial }

func newPanorama(o Options) *Server {
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		panic(fmt.Sprintf("panosim: time zone %q: %v", o.TimeZone, err))
	}
	rng := newRNG(o.Seed, 77)
	var serial strings.Builder
	serial.WriteString("0007")
	for range 11 {
		serial.WriteByte(byte('0' + rng.IntN(10)))
	}
	s := &Server{
		o: o,
		dev: device{
			loc: loc, serial: serial.String(), hostname: "panorama-01",
			threatVersion: ThreatVersion,
			boot:          o.Start.Add(-(75*time.Hour + time.Duration(mix64(uint64(o.Seed)^3)%86400)*time.Second)),
		},
		now:       o.Start,
		hits:      map[string]*hitCounter{},
		ruleTimes: map[string]*ruleTimes{},
		nextJob:   1 + int(mix64(uint64(o.Seed)^19)%40),
		logJobs:   map[int]*logJob{},
		admins:    []account{{name: o.Username, password: o.Password, key: o.APIKey}},
		pano:      &panorama{failPush: map[string][]string{}},
	}
	if err := o.Panorama.validate(o.ObjectPolicy); err != nil {
		panic(err.Error())
	}
	fwOpts := o
	fwOpts.Panorama = nil
	fwOpts.managed = true
	ids := map[string]int{}
	for i, dg := range o.Panorama.DeviceGroups {
		ids[dg.Name] = 11 + i
	}
	parents := map[string]string{}
	for _, dg := range o.Panorama.DeviceGroups {
		parents[dg.Name] = dg.Parent
	}
	var dgs, readonly strings.Builder
	k := 0
	for _, dg := range o.Panorama.DeviceGroups {
		n := dg.Firewalls
		switch {
		case n == 0:
			n = 1
		case n < 0:
			n = 0
		}
		var hier []string
		for g := dg.Name; g != ""; g = parents[g] {
			hier = append([]string{strconv.Itoa(ids[g])}, hier...)
		}
		var devs strings.Builder
		for i := range n {
			k++
			fo := fwOpts
			fo.Seed = o.Seed*1000 + int64(k)
			fo.APIKey = ""
			fo.hostname = fmt.Sprintf("%s-fw-%02d", strings.ToLower(dg.Name), i+1)
			fo.lineage = lineageOf(dg.Name, parents)
			fw := newFirewall(fo.withDefaults())
			fw.dev.dgHier = hier
			s.pano.firewalls = append(s.pano.firewalls, &managedFW{fw: fw, dg: dg.Name, connected: true})
			devs.WriteString(`<entry name="` + fw.dev.serial + `"/>`)
		}
		objects, pre, post := panoramaGroupPolicy(o, dg, n > 0)
		dgs.WriteString(`<entry name="` + esc(dg.Name) + `"><devices>` + devs.String() + `</devices>` +
			objects + `<threats><vulnerability/></threats>` +
			`<pre-rulebase><security><rules>` + pre + `</rules></security></pre-rulebase>` +
			`<post-rulebase><security><rules>` + post + `</rules></security></post-rulebase></entry>`)
		readonly.WriteString(`<entry name="` + esc(dg.Name) + `">`)
		if dg.Parent != "" {
			readonly.WriteString(`<parent-dg>` + esc(dg.Parent) + `</parent-dg>`)
		}
		readonly.WriteString(`<id>` + strconv.Itoa(ids[dg.Name]) + `</id></entry>`)
	}
	cfg := `<config version="10.2.0" urldb="paloaltonetworks">` +
		`<mgt-config><users><entry name="admin"><phash>*</phash><permissions><role-based><superuser>yes</superuser></role-based></permissions></entry></users></mgt-config>` +
		`<shared>` + panoramaSharedObjects(o) + `<threats><vulnerability/></threats>` +
		`<pre-rulebase><security><rules/></security></pre-rulebase><post-rulebase><security><rules/></security></post-rulebase></shared>` +
		`<devices><entry name="localhost.localdomain">` +
		`<deviceconfig><system><hostname>panorama-01</hostname><timezone>` + esc(o.TimeZone) + `</timezone></system></deviceconfig>` +
		`<device-group>` + dgs.String() + `</device-group>` +
		`</entry></devices>` + predefinedConfig() +
		`<readonly><max-internal-id>` + strconv.Itoa(10+len(o.Panorama.DeviceGroups)) + `</max-internal-id>` +
		`<devices><entry name="localhost.localdomain"><device-group>` + readonly.String() + `</device-group></entry></devices></readonly>` +
		`</config>`
	root, err := parseOne(cfg)
	if err != nil {
		panic("panosim: Panorama configuration: " + err.Error())
	}
	s.running = root
	s.candidate = root.clone()
	created := o.Start.Add(-40 * 24 * time.Hour).Unix()
	if errs := validatePanorama(s.running); len(errs) > 0 {
		panic("panosim: initial Panorama configuration: " + strings.Join(errs, "; "))
	}
	for _, m := range s.pano.firewalls {
		p, ctx := pushedPolicy(s.running, m.dg)
		if errs := validateFirewall(m.fw.running, p); len(errs) > 0 {
			panic("panosim: initial push: " + strings.Join(errs, "; "))
		}
		m.fw.pushed, m.fw.pushedCtx = p, ctx
		m.fw.pol, _ = compilePolicy(m.fw.running, p, m.fw.policyEnv())
		m.fw.sc.setTruth(m.fw)
		for _, e := range ruleNodes(m.fw.running, p) {
			uuid := e.attr("uuid")
			m.fw.ruleXML[uuid] = e.String()
			if m.fw.ruleTimes[uuid] == nil {
				m.fw.ruleTimes[uuid] = &ruleTimes{created: created, modified: created}
			}
		}
	}
	return s
}

// IsPanorama reports whether the server simulates a Panorama.
func (s *Server) IsPanorama() bool { return s.pano != nil }

// Firewalls returns the firewalls a Panorama manages, in device group
// order; nil on a firewall.
func (s *Server) Firewalls() []*Server {
	if s.pano == nil {
		return nil
	}
	out := make([]*Server, len(s.pano.firewalls))
	for i, m := range s.pano.firewalls {
		out[i] = m.fw
	}
	return out
}

// Serial returns the device's serial number.
func (s *Server) Serial() string { return s.dev.serial }

// Hostname returns the device's host name.
func (s *Server) Hostname() string { return s.dev.hostname }

// FailNextPush makes the next push (commit-all) to the firewall with the
// serial fail on that firewall with reason; the others still succeed.
func (s *Server) FailNextPush(serial, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pano != nil {
		s.pano.failPush[serial] = append(s.pano.failPush[serial], reason)
	}
}

// SetConnected marks a managed firewall connected or not; a push to a
// disconnected firewall fails.
func (s *Server) SetConnected(serial string, connected bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.managed(serial); m != nil {
		m.connected = connected
	}
}

func (s *Server) managed(serial string) *managedFW {
	if s.pano == nil {
		return nil
	}
	for _, m := range s.pano.firewalls {
		if m.serial() == serial {
			return m
		}
	}
	return nil
}

func (s *Server) model() string {
	if s.pano != nil {
		return PanoramaModel
	}
	return Model
}

// forward answers a request carrying target=<serial>: Panorama hands it to
// the managed firewall; a firewall answers for itself only.
func (s *Server) forward(serial string, r *request) response {
	if s.pano == nil {
		if serial == s.dev.serial {
			return s.dispatch(r)
		}
		return apiError(17, "target "+serial+" is not this device")
	}
	m := s.managed(serial)
	if m == nil {
		return apiError(17, "Invalid target: device "+serial+" is not managed by this Panorama")
	}
	if !m.connected {
		return apiError(17, "device "+serial+" is not connected")
	}
	m.fw.mu.Lock()
	defer m.fw.mu.Unlock()
	return m.fw.dispatch(r)
}

// deviceGroups returns Panorama's device-group container.
func deviceGroups(root *node) *node {
	return root.at("devices").entry("localhost.localdomain").child("device-group")
}

// dgParent returns the parent of a device group as Panorama keeps it, at
// /config/readonly/devices/entry[@name='localhost.localdomain']/
// device-group/entry[@name]/parent-dg; "" for a top-level group.
func dgParent(root *node, name string) string {
	return root.at("readonly", "devices").entry("localhost.localdomain").child("device-group").entry(name).textOf("parent-dg")
}

// dgLineage returns a device group and its ancestors, top-level first; an
// error when a group in it does not exist or the parents loop.
func dgLineage(root *node, name string) ([]*node, error) {
	var out []*node
	seen := map[string]bool{}
	for g := name; g != ""; g = dgParent(root, g) {
		if seen[g] {
			return nil, fmt.Errorf("device-group %s: parent-dg loops through %s", name, g)
		}
		seen[g] = true
		e := deviceGroups(root).entry(g)
		if e == nil {
			return nil, fmt.Errorf("device-group %s: parent-dg %s does not exist", name, g)
		}
		out = append([]*node{e}, out...)
	}
	return out, nil
}

// dgChain returns where names resolve in a device group: the group, its
// ancestors nearest first, then shared.
func dgChain(root *node, name string) (chain, error) {
	lin, err := dgLineage(root, name)
	if err != nil {
		return nil, err
	}
	var ch chain
	for i := len(lin) - 1; i >= 0; i-- {
		ch = append(ch, lin[i])
	}
	return append(ch, root.child("shared")), nil
}

// pushedPolicy builds what a push of the device group dg gives a firewall
// from the Panorama configuration root, and the group's context id (its
// readonly id): the objects of shared and of the group's lineage (a
// descendant's entry replaces an ancestor's of the same name, which
// replaces shared's), pre-rules of shared then of the lineage top-level
// first, post-rules of the lineage nearest first then of shared, and the
// default rule overrides (the nearest wins). Rules carry panorama="true"
// and loc (the group that holds them, or shared) on every element, as in
// "show config pushed-shared-policy".
func pushedPolicy(root *node, dg string) (*node, string) {
	shared := root.child("shared")
	lineage, err := dgLineage(root, dg)
	if err != nil {
		lineage = nil
		if g := deviceGroups(root).entry(dg); g != nil {
			lineage = []*node{g}
		}
	}
	p := newNode("panorama")
	rulebases := map[string]bool{"pre-rulebase": true, "post-rulebase": true, "devices": true}
	scopes := append([]*node{shared}, lineage...)
	for _, scope := range scopes {
		if scope == nil {
			continue
		}
		for _, c := range scope.children {
			if !rulebases[c.name] {
				overlay(p, c)
			}
		}
	}
	locOf := func(sc *node) string {
		if sc == shared {
			return "shared"
		}
		return sc.attr("name")
	}
	rules := func(pos string, order []*node) *node {
		out := newNode("rules")
		for _, sc := range order {
			for _, e := range sc.at(pos, "security", "rules").entries() {
				c := e.clone()
				c.setAttr("panorama", "true")
				setLoc(c, locOf(sc))
				out.children = append(out.children, c)
			}
		}
		rb := newNode(pos, newNode("security", out))
		return rb
	}
	post := make([]*node, 0, len(scopes))
	for i := len(lineage) - 1; i >= 0; i-- {
		post = append(post, lineage[i])
	}
	post = append(post, shared)
	pre := rules("pre-rulebase", scopes)
	postRB := rules("post-rulebase", post)
	defaults := newNode("rules")
	for _, sc := range scopes {
		for _, e := range sc.at("post-rulebase", "default-security-rules", "rules").entries() {
			c := e.clone()
			setLoc(c, locOf(sc))
			overlay(defaults, c)
		}
	}
	postRB.children = append(postRB.children, newNode("default-security-rules", defaults))
	p.children = append(p.children, pre, postRB)
	ctx := ""
	if g := root.at("readonly", "devices").entry("localhost.localdomain").child("device-group").entry(dg); g != nil {
		ctx = g.textOf("id")
	}
	return p, ctx
}

// setLoc marks a pushed rule and every element in it with the location it
// came from.
func setLoc(n *node, loc string) {
	n.setAttr("loc", loc)
	for _, c := range n.children {
		setLoc(c, loc)
	}
}

// lineageOf returns a device group and its ancestors by name, top-level
// first, from the options.
func lineageOf(dg string, parents map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for g := dg; g != "" && !seen[g]; g = parents[g] {
		seen[g] = true
		out = append([]string{g}, out...)
	}
	return out
}

// overlay merges src into parent: containers merge (an empty one adds
// nothing), entries and leaves of the same name are replaced whole.
func overlay(parent, src *node) {
	for i, c := range parent.children {
		if c.name == src.name && c.attr("name") == src.attr("name") {
			if src.name == "entry" || (len(src.children) == 0 && src.text != "") {
				parent.children[i] = src.clone()
				return
			}
			for _, sc := range src.children {
				overlay(c, sc)
			}
			return
		}
	}
	parent.children = append(parent.children, src.clone())
}

// commitAll answers a commit-all of shared policy to device groups:
// <commit-all><shared-policy><device-group><entry name="DG">[<devices>
// <entry name="SERIAL"/></devices>]</entry></device-group>…, or the older
// <device-group>DG</device-group> form. The job pushes Panorama's running
// configuration when it runs.
func (s *Server) commitAll(r *request, cmd *node) response {
	sp := cmd.child("shared-policy")
	if sp == nil {
		if c := only(cmd); c != nil {
			return apiError(17, "commit-all -> "+c.name+" is not supported by the simulator")
		}
		return unexpected("commit-all")
	}
	dgNode := sp.child("device-group")
	if dgNode == nil {
		return apiError(17, "commit-all -> shared-policy: device-group is missing")
	}
	type target struct {
		dg      string
		devices []string
	}
	var targets []target
	if es := dgNode.entries(); len(es) > 0 {
		for _, e := range es {
			t := target{dg: e.attr("name")}
			for _, d := range e.child("devices").entries() {
				t.devices = append(t.devices, d.attr("name"))
			}
			targets = append(targets, t)
		}
	} else if dgNode.text != "" {
		targets = append(targets, target{dg: dgNode.text})
	}
	if len(targets) == 0 {
		return apiError(17, "commit-all -> shared-policy: no device group given")
	}
	groups := s.running.at("devices").entry("localhost.localdomain").child("device-group")
	j := &commitJob{id: s.nextJob, kind: "CommitAll", tenq: s.now, user: r.admin, dg: targets[0].dg,
		desc: sp.textOf("description")}
	seen := map[string]bool{}
	for _, t := range targets {
		if groups.entry(t.dg) == nil {
			return apiError(17, "device-group "+t.dg+" does not exist")
		}
		// A group's push reaches the firewalls of its descendants too:
		// they evaluate its rules.
		var devs []*node
		for _, g := range groups.entries() {
			lin, err := dgLineage(s.running, g.attr("name"))
			if err != nil || !slices.ContainsFunc(lin, func(n *node) bool { return n.attr("name") == t.dg }) {
				continue
			}
			devs = append(devs, g.child("devices").entries()...)
		}
		for _, d := range devs {
			serial := d.attr("name")
			if (len(t.devices) > 0 && !slices.Contains(t.devices, serial)) || seen[serial] {
				continue
			}
			seen[serial] = true
			name := serial
			if m := s.managed(serial); m != nil {
				name = m.fw.dev.hostname
			}
			j.devices = append(j.devices, &pushResult{serial: serial, name: name, result: "PEND", status: "PEND"})
		}
	}
	if len(j.devices) == 0 {
		return apiError(17, "commit-all: no devices to push to")
	}
	s.nextJob++
	s.commits = append(s.commits, j)
	return success(19, fmt.Sprintf("<result><msg><line>Job enqueued with jobid %d</line></msg><job>%d</job></result>", j.id, j.id))
}

// push runs a commit-all job: every device gets the running configuration
// of its group unless a failure was injected, it is disconnected or the
// result does not validate on it. The job's own result is OK even when a
// device failed, as real Panoramas have been seen to report: clients must
// read the per-device results.
func (s *Server) push(j *commitJob) {
	j.done = true
	j.tfin = s.now
	for _, d := range j.devices {
		d.tstart, d.tfin = s.now, s.now
		m := s.managed(d.serial)
		var errs []string
		switch {
		case len(s.pano.failPush[d.serial]) > 0:
			errs = append(errs, s.pano.failPush[d.serial][0])
			s.pano.failPush[d.serial] = s.pano.failPush[d.serial][1:]
		case m == nil:
			errs = append(errs, "device "+d.serial+" is not managed")
		case !m.connected:
			errs = append(errs, "device "+d.serial+" is not connected")
		}
		if len(errs) == 0 {
			p, ctx := pushedPolicy(s.running, m.dg)
			m.fw.mu.Lock()
			errs = validateFirewall(m.fw.running, p)
			if len(errs) == 0 {
				m.fw.pushed, m.fw.pushedCtx = p, ctx
				m.fw.recompile()
			}
			m.fw.mu.Unlock()
		}
		if len(errs) > 0 {
			d.result, d.status, d.errors = "FAIL", "commit failed", errs
			continue
		}
		d.result, d.status, d.errors = "OK", "commit succeeded with warnings", []string{"Configuration committed successfully"}
	}
}

// pushXML writes the commit-all part of a job, shaped like a recorded
// Panorama answer.
func (s *Server) pushXML(b *strings.Builder, j *commitJob) {
	w := xw{b}
	loc := s.dev.loc
	w.el("push_type", "shared-policy")
	w.el("dgname", j.dg)
	b.WriteString("<warnings/><devices>")
	for _, d := range j.devices {
		b.WriteString("<entry>")
		w.el("serial-no", d.serial)
		w.el("devicename", d.name)
		w.el("multi-vsys", "no")
		w.el("vsys", "")
		if !j.done {
			w.el("status", "PEND")
			w.el("result", "PEND")
			b.WriteString("</entry>")
			continue
		}
		w.el("status", d.status)
		w.el("result", d.result)
		w.el("tstart", d.tstart.In(loc).Format("15:04:05"))
		w.el("tfin", d.tfin.In(loc).Format("15:04:05"))
		res := "success"
		if d.result != "OK" {
			res = "failure"
		}
		fmt.Fprintf(b, `<details><msg cmd="push-data" dname="%s" dgname="%s" jobid="%d" result="%s"><errors>`, esc(d.serial), esc(j.dg), j.id, res)
		for _, l := range d.errors {
			w.el("line", l)
		}
		b.WriteString("</errors><warnings>")
		if d.result == "OK" {
			w.el("line", "Warning: No valid Antivirus content package exists")
		}
		b.WriteString("</warnings></msg></details></entry>")
	}
	b.WriteString("</devices>")
}

// showDevices answers show devices connected|all on Panorama.
func (s *Server) showDevices(which string) response {
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<result><devices>")
	for i, m := range s.pano.firewalls {
		if which == "connected" && !m.connected {
			continue
		}
		fw := m.fw
		b.WriteString(`<entry name="` + fw.dev.serial + `">`)
		w.el("serial", fw.dev.serial)
		w.el("connected", yesNo(m.connected))
		w.el("hostname", fw.dev.hostname)
		w.el("ip-address", "192.168.1."+strconv.Itoa(10+i))
		w.el("model", Model)
		w.el("family", "vm")
		w.el("sw-version", SWVersion)
		w.el("app-version", AppVersion)
		w.el("threat-version", ThreatVersion)
		w.el("multi-vsys", "no")
		b.WriteString(`<vsys><entry name="vsys1"><display-name>vsys1</display-name></entry></vsys>`)
		w.el("deactivated", "no")
		b.WriteString("</entry>")
	}
	b.WriteString("</devices></result>")
	return success(0, b.String())
}

// panoramaInfo answers show system info on Panorama, with the fields of a
// recorded Panorama answer.
func (s *Server) panoramaInfo() response {
	loc := s.dev.loc
	up := s.now.Sub(s.dev.boot)
	days := int(up / (24 * time.Hour))
	up -= time.Duration(days) * 24 * time.Hour
	h := mix64(uint64(s.o.Seed) ^ 0xbee)
	rel := func(daysAgo int) string {
		return s.o.Start.Add(-time.Duration(daysAgo)*24*time.Hour - 7*time.Hour).In(loc).Format("2006/01/02 15:04:05 MST")
	}
	fields := [][2]string{
		{"hostname", s.dev.hostname},
		{"ip-address", "192.168.1.5"},
		{"public-ip-address", "unknown"},
		{"netmask", "255.255.255.0"},
		{"default-gateway", "192.168.1.254"},
		{"ipv6-address", "unknown"},
		{"ipv6-link-local-address", fmt.Sprintf("fe80::20c:29ff:fe%02x:%02x%02x/64", byte(h), byte(h>>8), byte(h>>16))},
		{"mac-address", fmt.Sprintf("00:0c:29:%02x:%02x:%02x", byte(h), byte(h>>8), byte(h>>16))},
		{"time", s.now.In(loc).Format("Mon Jan _2 15:04:05 2006") + "\n"},
		{"uptime", fmt.Sprintf("%d days, %d:%02d:%02d", days, int(up/time.Hour), int(up/time.Minute)%60, int(up/time.Second)%60)},
		{"devicename", s.dev.hostname},
		{"family", "pc"},
		{"model", PanoramaModel},
		{"serial", s.dev.serial},
		{"cloud-mode", "non-cloud"},
		{"vm-uuid", strings.ToUpper(deriveUUID(s.o.Seed, "panorama-vm"))},
		{"vm-cpuid", fmt.Sprintf("ESX:%016X", h)},
		{"vm-mode", "VMware ESXi"},
		{"sw-version", SWVersion},
		{"device-dictionary-version", "112-487"},
		{"device-dictionary-release-date", rel(9)},
		{"app-version", AppVersion},
		{"app-release-date", rel(4)},
		{"av-version", "0"},
		{"wf-private-version", "0"},
		{"wf-private-release-date", "unknown"},
		{"url-db", "paloaltonetworks"},
		{"wildfire-version", "0"},
		{"wildfire-rt", "Disabled"},
		{"logdb-version", "10.2.1"},
		{"platform-family", "pc"},
		{"system-mode", "panorama"},
		{"operational-mode", "normal"},
		{"num-cpus", "8"},
		{"ram-in-gb", "32"},
		{"panlogs-partition-in-gb", "31"},
		{"licensed-device-capacity", "25"},
		{"device-certificate-status", "None"},
		{"multi-vsys", "off"},
		{"advanced-routing", "off"},
	}
	var b strings.Builder
	b.WriteString("<result><system>")
	for _, f := range fields {
		xw{&b}.el(f[0], f[1])
	}
	b.WriteString("</system></result>")
	return success(0, b.String())
}

// panoramaHitCount answers show rule-hit-count for a device group (or
// shared) rulebase: counters per firewall and vsys under device-vsys, as
// Panorama reports them.
func (s *Server) panoramaHitCount(n *node) response {
	scope := only(n)
	if scope == nil || (scope.name != "device-group" && scope.name != "shared") {
		if scope != nil {
			return unexpected("show", "rule-hit-count", scope.name)
		}
		return unexpected("show", "rule-hit-count")
	}
	groups := s.running.at("devices").entry("localhost.localdomain").child("device-group")
	var dg string
	var container, rbase *node
	if scope.name == "device-group" {
		e := only(scope)
		if e == nil || e.name != "entry" {
			return unexpected("show", "rule-hit-count", "device-group")
		}
		dg = e.attr("name")
		container = groups.entry(dg)
		if container == nil {
			return apiError(17, "device-group "+dg+" does not exist")
		}
		rbase = only(e)
	} else {
		container = s.running.child("shared")
		rbase = only(scope)
	}
	if rbase == nil || (rbase.name != "pre-rulebase" && rbase.name != "post-rulebase") {
		return unexpected("show", "rule-hit-count", scope.name, "rule-base")
	}
	rb := only(rbase)
	if rb == nil || rb.name != "entry" {
		return unexpected("show", "rule-hit-count", scope.name, rbase.name)
	}
	sel := only(rb.child("rules"))
	if sel == nil || (sel.name != "all" && sel.name != "rule-name") {
		return unexpected("show", "rule-hit-count", scope.name, rbase.name, "entry", "rules")
	}
	want := map[string]bool{}
	for _, e := range sel.entries() {
		want[e.attr("name")] = true
	}
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<result><rule-hit-count>")
	if dg != "" {
		b.WriteString(`<device-group><entry name="` + esc(dg) + `">`)
	} else {
		b.WriteString("<shared>")
	}
	b.WriteString(`<rule-base><entry name="` + esc(rb.attr("name")) + `"><rules>`)
	if rb.attr("name") == "security" {
		for _, e := range container.at(rbase.name, "security", "rules").entries() {
			name := e.attr("name")
			if sel.name == "rule-name" && !want[name] {
				continue
			}
			uuid := e.attr("uuid")
			b.WriteString(`<entry name="` + esc(name) + `"><device-vsys>`)
			for _, m := range s.pano.firewalls {
				if dg != "" && !slices.Contains(m.fw.o.lineage, dg) {
					continue
				}
				m.fw.mu.Lock()
				h := m.fw.hits[uuid]
				if h == nil {
					h = &hitCounter{}
				}
				rt := m.fw.ruleTimes[uuid]
				if rt == nil {
					rt = &ruleTimes{}
				}
				hc, rtc := *h, *rt
				m.fw.mu.Unlock()
				b.WriteString(`<entry name="` + esc(m.dg+"/"+m.serial()+"/vsys1") + `">`)
				w.el("latest", "yes")
				w.num("hit-count", int64(hc.count))
				w.num("last-hit-timestamp", hc.last)
				w.el("last-reset-timestamp", "0")
				w.num("first-hit-timestamp", hc.first)
				w.num("rule-creation-timestamp", rtc.created)
				w.num("rule-modification-timestamp", rtc.modified)
				b.WriteString("</entry>")
			}
			b.WriteString("</device-vsys></entry>")
		}
	}
	b.WriteString("</rules></entry></rule-base>")
	if dg != "" {
		b.WriteString("</entry></device-group>")
	} else {
		b.WriteString("</shared>")
	}
	b.WriteString("</rule-hit-count></result>")
	return success(0, b.String())
}
