package panosim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExportFormat is a form the simulator writes its logs in, as they reach a
// user who has no API access: from a syslog server, the web interface's
// Export to CSV, or a SIEM.
type ExportFormat int

const (
	// ExportSyslogBSD is PAN-OS's default syslog format with "Send
	// Hostname in Syslog" on: <14>Mmm dd hh:mm:ss HOST 1,2026/...
	ExportSyslogBSD ExportFormat = iota
	// ExportSyslogIETF is the IETF (RFC 5424) format:
	// <14>1 2026-...T...-07:00 HOST - - - - 1,2026/...
	ExportSyslogIETF
	// ExportCSV is Monitor > Logs > Export to CSV: a header row of column
	// names, then one row per log, for one log type.
	ExportCSV
	// ExportNDJSON is a SIEM export: one JSON object per line, the BSD
	// syslog line in "message".
	ExportNDJSON
)

// ExportLogs writes the stored threat and traffic logs received in
// [from, to] (both ends included), oldest first, in format f, with the
// field layout of PAN-OS 10.2. logType is "threat", "traffic", or "" for
// both; a CSV export holds one type. On Panorama it writes every managed
// firewall's logs, firewall after firewall.
//
// It returns the error of w, or an error for an unknown log type or a CSV
// export of both types.
func (s *Server) ExportLogs(w io.Writer, f ExportFormat, logType string, from, to time.Time) error {
	if logType != "" && logType != "threat" && logType != "traffic" {
		return fmt.Errorf("panosim: export of log type %q: want threat, traffic or both", logType)
	}
	if f == ExportCSV && logType == "" {
		return fmt.Errorf("panosim: a CSV export holds one log type")
	}
	bw := bufio.NewWriter(w)
	if f == ExportCSV {
		header := threatColumns
		if logType == "traffic" {
			header = trafficColumns
		}
		bw.WriteString(strings.Join(header, ","))
		bw.WriteByte('\n')
	}
	servers := []*Server{s}
	if s.pano != nil {
		servers = s.Firewalls()
	}
	for _, fw := range servers {
		if err := fw.export(bw, f, logType, from, to); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func (s *Server) export(w *bufio.Writer, f ExportFormat, logType string, from, to time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var entries []*logEntry
	lo, hi := from.UnixMilli(), to.UnixMilli()
	keep := func(e *logEntry) bool {
		sec := e.unix() * 1000 // receive_time has one-second resolution
		return sec >= lo && sec <= hi
	}
	if logType != "traffic" {
		for _, e := range s.threat {
			if keep(e) {
				entries = append(entries, e)
			}
		}
	}
	if logType != "threat" {
		for _, e := range s.traffic {
			if keep(e) {
				entries = append(entries, e)
			}
		}
	}
	slices.SortStableFunc(entries, func(a, b *logEntry) int {
		if a.at != b.at {
			return int(max(-1, min(1, a.at-b.at)))
		}
		return int(a.seqno) - int(b.seqno)
	})
	var fields []string
	for _, e := range entries {
		fields = e.csvFields(&s.dev, fields[:0])
		payload := joinCSV(fields)
		t := time.UnixMilli(e.at).In(s.dev.loc)
		var line string
		switch f {
		case ExportSyslogBSD, ExportNDJSON:
			line = "<14>" + t.Format("Jan _2 15:04:05") + " " + s.dev.hostname + " " + payload
		case ExportSyslogIETF:
			line = "<14>1 " + t.Format("2006-01-02T15:04:05.000-07:00") + " " + s.dev.hostname + " - - - - " + payload
		case ExportCSV:
			line = payload
		}
		if f == ExportNDJSON {
			b, err := json.Marshal(struct {
				Timestamp string `json:"@timestamp"`
				Host      string `json:"host"`
				Message   string `json:"message"`
			}{t.UTC().Format(time.RFC3339), s.dev.hostname, line})
			if err != nil {
				return err
			}
			line = string(b)
		}
		if _, err := w.WriteString(line); err != nil {
			return err
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

// joinCSV joins fields as PAN-OS does: a field with a comma or a quote is
// quoted, a quote inside doubled. The misc field is quoted always (see
// csvFields).
func joinCSV(fields []string) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.HasPrefix(f, quoteAlways) {
			f = f[len(quoteAlways):]
		} else if !strings.ContainsAny(f, ",\"") {
			b.WriteString(f)
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(f, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// quoteAlways marks a field PAN-OS quotes even when it holds no comma.
const quoteAlways = "\x00q"

// csvFields appends the CSV fields of a log record as PAN-OS 10.2 writes
// them to syslog (the threat log has 120 fields, the traffic log 114).
func (e *logEntry) csvFields(d *device, out []string) []string {
	s := e.s
	t := time.UnixMilli(e.at).In(d.loc)
	tl := t.Format(devTimeFmt)
	nat := s.to == zoneUntrust && s.from == zoneTrust
	natsrc, natsport := "0.0.0.0", "0"
	if nat {
		natsrc, natsport = d.natIP, strconv.Itoa(1024+(s.sport*7919)%60000)
	}
	app := s.app
	if !e.threat {
		app = e.app
	}
	loc := func(a string) string {
		if strings.HasPrefix(a, "10.") {
			return "10.0.0.0-10.255.255.255"
		}
		if strings.HasPrefix(a, "172.") {
			return "172.16.0.0-172.31.255.255"
		}
		if strings.HasPrefix(a, "192.168.") {
			return "192.168.0.0-192.168.255.255"
		}
		return "United States"
	}
	dg := [4]string{"0", "0", "0", "0"}
	for i, level := range d.dgHier {
		if i < len(dg) {
			dg[i] = level
		}
	}
	typ, sub, action, repeat, flags := "TRAFFIC", e.subtype, e.action, "1", "0x400000"
	if e.threat {
		typ, sub, action, repeat, flags = "THREAT", "vulnerability", "alert", strconv.Itoa(e.repeat), "0x80402000"
	}
	num := func(v int64) string { return strconv.FormatInt(v, 10) }
	out = append(out,
		"1", tl, d.serial, typ, sub, strconv.Itoa(e.cfgVer), tl, // 0-6
		s.src.String(), s.dst.String(), natsrc, "0.0.0.0", // 7-10
		e.rule.name, "", "", app, "vsys1", s.from, s.to, // 11-17
		zoneIf[s.from], zoneIf[s.to], "", tl, // 18-21: interfaces, log action, time logged
		num(int64(s.id)), repeat, num(int64(s.sport)), num(int64(s.dport)), natsport, "0", // 22-27
		flags, s.proto, action) // 28-30
	meta := appMetaOf(app)
	if e.threat {
		return append(out,
			quoteAlways+e.misc, e.name+"("+strconv.Itoa(e.tid)+")", "any", e.severity, "server-to-client", // 31-35
			strconv.FormatUint(e.seqno, 10), "0x0", loc(s.src.String()), loc(s.dst.String()), "0", // 36-40
			"", "0", "", "", num(int64(e.urlIdx)), "", "", "", "", "", "", "", "0", // 41-53
			dg[0], dg[1], dg[2], dg[3], "", d.hostname, "", "", "", "get", // 54-63
			"0", "", "0", "", "N/A", "unknown", "AppThreat-"+d.threatVersion, "0", "0", "4294967295", // 64-73
			"", "", e.rule.uuid, "0", "", "", // 74-79
			"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", // 80-95: device fields
			"", "", "", "", "", "", "", "", "", "", "0", // 96-106
			t.Format(hiResFmt), "", "", "", // 107-110
			meta.subcategory, meta.category, meta.technology, meta.risk, "", "", app, "no", "no") // 111-119
	}
	sent, recv := s.bytesSent, s.bytesRecv
	start, elapsed := s.start, (s.end-s.start)/1000
	if e.subtype != "end" {
		sent, recv, elapsed = 74, 0, 0
	}
	pktsSent := 1 + sent/1100
	pktsRecv := recv / 1300
	if recv > 0 {
		pktsRecv++
	}
	reason := "policy-deny"
	if e.subtype == "end" {
		reason = s.endReason
	}
	return append(out,
		num(sent+recv), num(sent), num(recv), num(pktsSent+pktsRecv), // 31-34
		time.UnixMilli(start).In(d.loc).Format(devTimeFmt), num(elapsed), "any", "0", // 35-38
		strconv.FormatUint(e.seqno, 10), "0x0", loc(s.src.String()), loc(s.dst.String()), "0", // 39-43
		num(pktsSent), num(pktsRecv), reason, dg[0], dg[1], dg[2], dg[3], "", d.hostname, "from-policy", // 44-53
		"", "", "0", "", "0", "", "N/A", "0", "0", "0", "0", e.rule.uuid, "0", // 54-66
		"0", "", "", "", "", "", "", "", // 67-74: app flap, policy ID, link switches, SD-WAN, DUG
		"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", // 75-91
		"", "", "", "", "", "", "", "", "", "", // 92-101
		t.Format(hiResFmt), "", "", // 102-104
		meta.subcategory, meta.category, meta.technology, meta.risk, "", "", app, "no", "no") // 105-113
}

// The column names of the web interface's CSV exports, in the syslog
// order: the 9.1 threat names (from a public script that maps them) and
// the traffic names of older exports, continued with the 10.x display
// names.
var threatColumns = []string{
	"Domain", "Receive Time", "Serial #", "Type", "Threat/Content Type", "Config Version", "Generate Time",
	"Source address", "Destination address", "NAT Source IP", "NAT Destination IP", "Rule", "Source User",
	"Destination User", "Application", "Virtual System", "Source Zone", "Destination Zone", "Inbound Interface",
	"Outbound Interface", "Log Action", "Time Logged", "Session ID", "Repeat Count", "Source Port",
	"Destination Port", "NAT Source Port", "NAT Destination Port", "Flags", "IP Protocol", "Action",
	"URL/Filename", "Threat/Content Name", "Category", "Severity", "Direction", "Sequence Number",
	"Action Flags", "Source Country", "Destination Country", "cpadding", "contenttype", "pcap_id",
	"filedigest", "cloud", "url_idx", "user_agent", "filetype", "xff", "referer", "sender", "subject",
	"recipient", "reportid", "DG Hierarchy Level 1", "DG Hierarchy Level 2", "DG Hierarchy Level 3",
	"DG Hierarchy Level 4", "Virtual System Name", "Device Name", "file_url", "Source VM UUID",
	"Destination VM UUID", "http_method", "Tunnel ID/IMSI", "Monitor Tag/IMEI", "Parent Session ID",
	"Parent Session Start Time", "Tunnel", "thr_category", "contentver", "sig_flags", "SCTP Association ID",
	"Payload Protocol ID", "http_headers", "URL Category List", "UUID for rule", "HTTP/2 Connection",
	"dynusergroup_name", "X-Forwarded-For IP", "Source Device Category", "Source Device Profile",
	"Source Device Model", "Source Device Vendor", "Source Device OS Family", "Source Device OS Version",
	"Source Hostname", "Source Mac Address", "Destination Device Category", "Destination Device Profile",
	"Destination Device Model", "Destination Device Vendor", "Destination Device OS Family",
	"Destination Device OS Version", "Destination Hostname", "Destination Mac Address", "Container ID",
	"POD Namespace", "POD Name", "Source External Dynamic List", "Destination External Dynamic List",
	"Host ID", "Device Serial Number", "Domain EDL", "Source Dynamic Address Group",
	"Destination Dynamic Address Group", "Partial Hash", "High Res Timestamp", "Reason", "Justification",
	"A Slice Service Type", "Subcategory of app", "Category of app", "Technology of app", "Risk of app",
	"Characteristics of app", "Container of app", "Tunneled app", "SaaS of app", "Sanctioned State of app",
}

var trafficColumns = []string{
	"Domain", "Receive Time", "Serial #", "Type", "Threat/Content Type", "Config Version", "Generate Time",
	"Source address", "Destination address", "NAT Source IP", "NAT Destination IP", "Rule", "Source User",
	"Destination User", "Application", "Virtual System", "Source Zone", "Destination Zone", "Inbound Interface",
	"Outbound Interface", "Log Action", "Time Logged", "Session ID", "Repeat Count", "Source Port",
	"Destination Port", "NAT Source Port", "NAT Destination Port", "Flags", "IP Protocol", "Action", "Bytes",
	"Bytes Sent", "Bytes Received", "Packets", "Start Time", "Elapsed Time (sec)", "Category", "Padding",
	"seqno", "actionflags", "Source Country", "Destination Country", "cpadding", "pkts_sent",
	"pkts_received", "session_end_reason", "DG Hierarchy Level 1", "DG Hierarchy Level 2",
	"DG Hierarchy Level 3", "DG Hierarchy Level 4", "Virtual System Name", "Device Name", "action_source",
	"Source VM UUID", "Destination VM UUID", "Tunnel ID/IMSI", "Monitor Tag/IMEI", "Parent Session ID",
	"Parent Session Start Time", "Tunnel", "SCTP Association ID", "SCTP Chunks", "SCTP Chunks Sent",
	"SCTP Chunks Received", "UUID for rule", "HTTP/2 Connection", "App Flap Count", "Policy ID",
	"Link Switches", "SD-WAN Cluster", "SD-WAN Device Type", "SD-WAN Cluster Type", "SD-WAN Site",
	"Dynamic User Group", "X-Forwarded-For IP", "Source Device Category", "Source Device Profile",
	"Source Device Model", "Source Device Vendor", "Source Device OS Family", "Source Device OS Version",
	"Source Hostname", "Source Mac Address", "Destination Device Category", "Destination Device Profile",
	"Destination Device Model", "Destination Device Vendor", "Destination Device OS Family",
	"Destination Device OS Version", "Destination Hostname", "Destination Mac Address", "Container ID",
	"POD Namespace", "POD Name", "Source External Dynamic List", "Destination External Dynamic List",
	"Host ID", "Device Serial Number", "Source Dynamic Address Group", "Destination Dynamic Address Group",
	"Session Owner", "High Res Timestamp", "A Slice Service Type", "A Slice Differentiator",
	"Subcategory of app", "Category of app", "Technology of app", "Risk of app", "Characteristics of app",
	"Container of app", "Tunneled app", "SaaS of app", "Sanctioned State of app",
}
