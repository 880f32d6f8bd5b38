package panosim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// unexpected answers an op command the simulator does not know, the way
// PAN-OS names the first element it could not place.
func unexpected(path ...string) response {
	return apiError(17, strings.Join(path, " -> ")+" is unexpected")
}

// only returns n's single child when it has exactly one, else nil.
func only(n *node) *node {
	if n == nil || len(n.children) != 1 {
		return nil
	}
	return n.children[0]
}

func (s *Server) handleOp(r *request) response {
	text := r.get("cmd")
	if text == "" {
		return errorResp(400, 400, "Missing parameter: cmd")
	}
	if v := r.get("vsys"); v != "" && v != "vsys1" && v != "shared" {
		return apiError(17, "vsys "+v+" does not exist")
	}
	cmd, err := parseOne(text)
	if err != nil {
		return apiError(18, "Malformed command: "+err.Error())
	}
	if cmd.name == "test" {
		return s.handleTest(cmd)
	}
	if cmd.name == "request" {
		if c := only(cmd); c != nil && (c.name == "config-lock" || c.name == "commit-lock") {
			return s.requestLock(r, c)
		}
		if c := only(cmd); c != nil {
			return unexpected("request", c.name)
		}
		return unexpected("request")
	}
	if cmd.name != "show" {
		return unexpected(cmd.name)
	}
	sub := only(cmd)
	if sub == nil {
		return unexpected("show")
	}
	if s.pano != nil {
		switch sub.name {
		case "system":
			if c := only(sub); c != nil && c.name == "info" {
				return s.panoramaInfo()
			}
			return unexpected("show", "system")
		case "devices":
			if c := only(sub); c != nil && (c.name == "connected" || c.name == "all") {
				return s.showDevices(c.name)
			}
			return unexpected("show", "devices")
		case "rule-hit-count":
			return s.panoramaHitCount(sub)
		case "config":
			if c := only(sub); c != nil && c.name == "pushed-shared-policy" {
				return unexpected("show", "config", "pushed-shared-policy")
			}
		}
	}
	switch sub.name {
	case "system":
		if c := only(sub); c != nil && c.name == "info" {
			return s.systemInfo()
		}
	case "clock":
		if len(sub.children) == 0 {
			return success(0, "<result>"+esc(s.now.In(s.dev.loc).Format(time.UnixDate)+"\n")+"</result>")
		}
	case "plugins":
		if c := only(sub); c != nil && c.name == "packages" {
			return success(0, "<result><plugins/></result>")
		}
	case "jobs":
		return s.showJobs(sub)
	case "high-availability":
		return s.haState(sub)
	case "rule-hit-count":
		return s.hitCount(sub)
	case "config":
		switch c := only(sub); {
		case c == nil:
		case c.name == "running":
			return success(0, "<result>"+s.running.String()+"</result>")
		case c.name == "candidate":
			return success(0, "<result>"+s.candidate.String()+"</result>")
		case c.name == "pushed-shared-policy":
			if v := c.textOf("vsys"); v != "" && v != "vsys1" {
				return apiError(17, "vsys "+v+" does not exist")
			}
			if s.pushed == nil {
				return success(0, "<result><policy><panorama/></policy></result>")
			}
			return success(0, `<result><policy cfg-version="10.2.0" detail-version="`+strings.SplitN(SWVersion, "-", 2)[0]+
				`" urldb="paloaltonetworks" dg-ctxt="`+esc(s.pushedCtx)+`"><shared/>`+s.pushed.String()+"</policy></result>")
		}
	case "object":
		if c := only(sub); c != nil && c.name == "registered-ip" && s.pano == nil {
			return s.showRegisteredIP(c)
		}
	case "user":
		if c := only(sub); c != nil && c.name == "ip-user-mapping" && s.pano == nil {
			return s.showUserMapping(c)
		}
	case "config-locks":
		return s.showLocks(sub.name, s.configLocks)
	case "commit-locks":
		return s.showLocks(sub.name, s.commitLocks)
	default:
		return unexpected("show", sub.name)
	}
	if c := only(sub); c != nil {
		return unexpected("show", sub.name, c.name)
	}
	return unexpected("show", sub.name)
}

func (s *Server) systemInfo() response {
	loc := s.dev.loc
	now := s.now.In(loc)
	up := s.now.Sub(s.dev.boot)
	days := int(up / (24 * time.Hour))
	up -= time.Duration(days) * 24 * time.Hour
	uptime := fmt.Sprintf("%d days, %d:%02d:%02d", days, int(up/time.Hour), int(up/time.Minute)%60, int(up/time.Second)%60)
	rel := func(daysAgo int) string {
		return s.o.Start.Add(-time.Duration(daysAgo)*24*time.Hour - 5*time.Hour).In(loc).Format("2006/01/02 15:04:05 MST")
	}
	h := mix64(uint64(s.o.Seed) ^ 0xabc)
	mac := fmt.Sprintf("00:50:56:%02x:%02x:%02x", byte(h), byte(h>>8), byte(h>>16))
	uuid := strings.ToUpper(deriveUUID(s.o.Seed, "vm"))
	fields := [][2]string{
		{"hostname", s.dev.hostname},
		{"ip-address", "192.168.1.1"},
		{"public-ip-address", "unknown"},
		{"netmask", "255.255.255.0"},
		{"default-gateway", "192.168.1.254"},
		{"is-dhcp", "no"},
		{"ipv6-address", "unknown"},
		{"ipv6-link-local-address", fmt.Sprintf("fe80::250:56ff:fe%02x:%02x%02x/64", byte(h), byte(h>>8), byte(h>>16))},
		{"mac-address", mac},
		{"time", now.Format("Mon Jan _2 15:04:05 2006") + "\n"},
		{"uptime", uptime},
		{"devicename", s.dev.hostname},
		{"family", "vm"},
		{"model", Model},
		{"serial", s.dev.serial},
		{"cloud-mode", "non-cloud"},
		{"vm-mac-base", "7C:89:C1:00:00:00"},
		{"vm-mac-count", "256"},
		{"vm-uuid", uuid},
		{"vm-cpuid", fmt.Sprintf("ESX:%016X", h)},
		{"vm-license", "VM-300"},
		{"vm-cap-tier", "9.0 GB"},
		{"vm-cores", "4"},
		{"vm-mem", "9.0 GB"},
		{"relicense", "0"},
		{"vm-mode", "VMware ESXi"},
		{"sw-version", SWVersion},
		{"global-protect-client-package-version", "0.0.0"},
		{"device-dictionary-version", "112-487"},
		{"device-dictionary-release-date", rel(9)},
		{"app-version", AppVersion},
		{"app-release-date", rel(4)},
		{"av-version", "4960-5478"},
		{"av-release-date", rel(1)},
		{"threat-version", ThreatVersion},
		{"threat-release-date", rel(4)},
		{"wf-private-version", "0"},
		{"wf-private-release-date", "unknown"},
		{"url-db", "paloaltonetworks"},
		{"wildfire-version", "0"},
		{"wildfire-release-date", ""},
		{"wildfire-rt", "Disabled"},
		{"url-filtering-version", "20261031.20142"},
		{"global-protect-datafile-version", "unknown"},
		{"global-protect-datafile-release-date", "unknown"},
		{"global-protect-clientless-vpn-version", "0"},
		{"logdb-version", "10.2.1"},
		{"platform-family", "vm"},
		{"vpn-disable-mode", "off"},
		{"multi-vsys", "off"},
		{"ZTP", "Disabled"},
		{"operational-mode", "normal"},
		{"advanced-routing", "off"},
		{"device-certificate-status", "None"},
	}
	var b strings.Builder
	b.WriteString("<result><system>")
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		xw{&b}.el(f[0], f[1])
	}
	b.WriteString("</system></result>")
	return success(0, b.String())
}

// hitCount answers show rule-hit-count for vsys1 in the shape of a
// firewall's answer, the two default rules included.
func (s *Server) hitCount(n *node) response {
	vs := only(n)
	if vs == nil || vs.name != "vsys" {
		if vs != nil {
			return unexpected("show", "rule-hit-count", vs.name)
		}
		return unexpected("show", "rule-hit-count")
	}
	vn := only(vs)
	if vn == nil || vn.name != "vsys-name" {
		return unexpected("show", "rule-hit-count", "vsys")
	}
	ve := only(vn)
	if ve == nil || ve.name != "entry" {
		return unexpected("show", "rule-hit-count", "vsys", "vsys-name")
	}
	vsys := ve.attr("name")
	if vsys != "vsys1" {
		return apiError(17, "vsys "+vsys+" does not exist")
	}
	rb := only(ve.child("rule-base"))
	if rb == nil || rb.name != "entry" {
		return unexpected("show", "rule-hit-count", "vsys", "vsys-name", "entry", "rule-base")
	}
	rulesNode := rb.child("rules")
	sel := only(rulesNode)
	if sel == nil || (sel.name != "all" && sel.name != "list") {
		return unexpected("show", "rule-hit-count", "vsys", "vsys-name", "entry", "rule-base", "entry", "rules")
	}
	want := map[string]bool{}
	if sel.name == "list" {
		for _, m := range sel.members() {
			want[m] = true
		}
	}
	var b strings.Builder
	b.WriteString(`<result><rule-hit-count><vsys><entry name="vsys1"><rule-base><entry name="`)
	escape(&b, rb.attr("name"))
	b.WriteString(`"><rules>`)
	if rb.attr("name") == "security" {
		for _, r := range s.pol.rules {
			if sel.name == "list" && !want[r.name] {
				continue
			}
			h := s.hits[r.uuid]
			if h == nil {
				h = &hitCounter{}
			}
			rt := s.ruleTimes[r.uuid]
			if rt == nil {
				rt = &ruleTimes{}
			}
			b.WriteString(`<entry name="`)
			escape(&b, r.name)
			b.WriteString(`"><latest>yes</latest>`)
			w := xw{&b}
			w.num("hit-count", int64(h.count))
			w.num("last-hit-timestamp", h.last)
			w.el("last-reset-timestamp", "0")
			w.num("first-hit-timestamp", h.first)
			w.num("rule-creation-timestamp", rt.created)
			w.num("rule-modification-timestamp", rt.modified)
			b.WriteString("</entry>")
		}
	}
	b.WriteString("</rules></entry></rule-base></entry></vsys></rule-hit-count></result>")
	return success(0, b.String())
}

func (s *Server) showJobs(n *node) response {
	c := only(n)
	if c == nil {
		return unexpected("show", "jobs")
	}
	switch c.name {
	case "id":
		id, err := strconv.Atoi(strings.TrimSpace(c.text))
		if err != nil {
			return apiError(17, "show -> jobs -> id "+c.text+" is invalid")
		}
		for i, j := range s.commits {
			if j.id == id {
				if !j.done {
					j.polls++
					if j.polls > s.o.PollsBeforeFinish {
						s.finishCommits(i + 1)
					}
				}
				return success(0, "<result>"+s.jobXML(j)+"</result>")
			}
		}
		return apiError(17, fmt.Sprintf("job %d not found", id))
	case "all", "processed", "pending":
		var b strings.Builder
		b.WriteString("<result>")
		for _, j := range s.commits {
			if (c.name == "processed" && !j.done) || (c.name == "pending" && j.done) {
				continue
			}
			b.WriteString(s.jobXML(j))
		}
		b.WriteString("</result>")
		return success(0, b.String())
	}
	return unexpected("show", "jobs", c.name)
}
