package panosim

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// logEntry is one stored log record: a THREAT (one HTTP response status
// signature hit) or a TRAFFIC record (one session end or deny).
type logEntry struct {
	threat bool
	seqno  uint64
	at     int64 // unix milliseconds, receive_time = time_generated
	wall   int64 // the device-local wall clock of at, as if it were UTC seconds
	s      *session
	rule   *cRule
	cfgVer int

	// Threat only.
	tid      int
	name     string
	severity string
	misc     string
	repeat   int
	urlIdx   int

	// action is the threat's action (alert when empty), or the traffic's.
	action string

	// Traffic only.
	subtype string
	app     string
}

func (e *logEntry) unix() int64 { return floorDiv(e.at, 1000) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// wallClock returns the local wall clock of t in loc, as seconds since the
// epoch of a UTC clock showing the same digits. Filters on receive_time
// compare these, so a query literal means what the device displays.
func wallClock(t time.Time, loc *time.Location) int64 {
	l := t.In(loc)
	y, mo, d := l.Date()
	return time.Date(y, mo, d, l.Hour(), l.Minute(), l.Second(), 0, time.UTC).Unix()
}

const (
	devTimeFmt = "2006/01/02 15:04:05"
	hiResFmt   = "2006-01-02T15:04:05.000-07:00"
)

var zoneIf = map[string]string{zoneUntrust: "ethernet1/1", zoneTrust: "ethernet1/2", zoneDMZ: "ethernet1/3"}

// xw writes log entry XML without reflection.
type xw struct{ b *strings.Builder }

func (w xw) el(name, value string) {
	b := w.b
	b.WriteByte('<')
	b.WriteString(name)
	if value == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	escape(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

func (w xw) num(name string, v int64) { w.el(name, strconv.FormatInt(v, 10)) }

func (w xw) loc(name string, a netip.Addr) {
	if a.IsPrivate() {
		r := "10.0.0.0-10.255.255.255"
		switch {
		case a.Is4() && a.As4()[0] == 172:
			r = "172.16.0.0-172.31.255.255"
		case a.Is4() && a.As4()[0] == 192:
			r = "192.168.0.0-192.168.255.255"
		}
		w.el(name, r)
		return
	}
	w.b.WriteString("<" + name + ` code="US" cc="US">United States</` + name + ">")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// trafficVolume is what a traffic log says of its session's volume.
type trafficVolume struct{ sent, recv, pktsSent, pktsRecv int64 }

// volume is the traffic log's bytes and packets: its session's, or a
// denied session's first packet.
func (e *logEntry) volume() trafficVolume {
	sent, recv := e.s.bytesSent, e.s.bytesRecv
	if e.subtype != "end" {
		sent, recv = 74, 0
	}
	v := trafficVolume{sent: sent, recv: recv, pktsSent: 1 + sent/1100, pktsRecv: recv / 1300}
	if recv > 0 {
		v.pktsRecv++
	}
	return v
}

// render writes the <entry> element of a log record, with the fields of a
// PAN-OS 10.2 log entry and the sequence number seq (the entry's own, or
// one of its replicas').
func (e *logEntry) render(b *strings.Builder, d *device, seq uint64) {
	s := e.s
	t := time.UnixMilli(e.at).In(d.loc)
	tl := t.Format(devTimeFmt)
	w := xw{b}
	const logidBase = 7_200_000_000_000_000_000
	logid := uint64(logidBase) + seq
	if e.threat {
		logid += 1_000_000_000_000_000
	}
	b.WriteString(`<entry logid="`)
	b.WriteString(strconv.FormatUint(logid, 10))
	b.WriteString(`">`)
	w.el("domain", "1")
	w.el("receive_time", tl)
	w.el("serial", d.serial)
	w.el("seqno", strconv.FormatUint(seq, 10))
	w.el("actionflags", "0x0")
	w.el("is-logging-service", "no")
	if e.threat {
		w.el("type", "THREAT")
		w.el("subtype", "vulnerability")
	} else {
		w.el("type", "TRAFFIC")
		w.el("subtype", e.subtype)
	}
	w.num("config_ver", int64(e.cfgVer))
	w.el("time_generated", tl)
	w.el("high_res_timestamp", t.Format(hiResFmt))
	w.el("src", s.src.String())
	w.el("dst", s.dst.String())
	nat := s.to == zoneUntrust && s.from == zoneTrust
	if nat {
		w.el("natsrc", d.natIP)
	} else {
		w.el("natsrc", "0.0.0.0")
	}
	w.el("natdst", "0.0.0.0")
	w.el("rule", e.rule.name)
	w.el("srcuser", s.user)
	w.el("dstuser", "")
	w.loc("srcloc", s.src)
	w.loc("dstloc", s.dst)
	app := s.app
	if !e.threat {
		app = e.app
	}
	w.el("app", app)
	w.el("vsys", "vsys1")
	w.el("from", s.from)
	w.el("to", s.to)
	w.el("inbound_if", zoneIf[s.from])
	w.el("outbound_if", zoneIf[s.to])
	w.el("logset", "")
	w.el("time_received", tl)
	w.num("sessionid", int64(s.id))
	if e.threat {
		w.num("repeatcnt", int64(e.repeat))
	} else {
		w.el("repeatcnt", "1")
	}
	w.num("sport", int64(s.sport))
	w.num("dport", int64(s.dport))
	if nat {
		w.num("natsport", int64(1024+(s.sport*7919)%60000))
	} else {
		w.el("natsport", "0")
	}
	w.el("natdport", "0")
	if e.threat {
		w.el("flags", "0x80402000")
	} else {
		w.el("flags", "0x400000")
	}
	w.el("flag-pcap", "no")
	w.el("flag-flagged", "no")
	w.el("flag-proxy", "no")
	w.el("flag-url-denied", "no")
	w.el("flag-nat", yesNo(nat))
	w.el("captive-portal", "no")
	w.el("non-std-dport", yesNo(app != "not-applicable" && !isDefaultPort(s.app, s.proto, s.dport)))
	w.el("transaction", "no")
	w.el("pbf-c2s", "no")
	w.el("pbf-s2c", "no")
	w.el("temporary-match", "no")
	w.el("sym-return", "no")
	w.el("decrypt-mirror", "no")
	w.el("credential-detected", "no")
	w.el("flag-mptcp-set", "no")
	w.el("flag-tunnel-inspected", "no")
	w.el("flag-recon-excluded", "no")
	w.el("flag-wf-channel", "no")
	w.el("proto", s.proto)
	if e.threat && e.action == "" {
		w.el("action", "alert")
	} else {
		w.el("action", e.action)
	}
	w.el("tunnel", "N/A")
	w.el("tpadding", "0")
	w.el("cpadding", "0")
	w.el("rule_uuid", e.rule.uuid)
	meta := appMetaOf(app)
	if e.threat {
		w.el("misc", e.misc)
		w.el("threatid", e.name)
		w.el("thr_category", "unknown")
		w.el("contentver", "AppThreat-"+d.threatVersion)
		w.num("tid", int64(e.tid))
		w.el("reportid", "0")
		w.el("category", "any")
		w.el("severity", e.severity)
		w.el("direction", "server-to-client")
		w.num("url_idx", int64(e.urlIdx))
		w.el("padding", "0")
		w.el("pcap_id", "0")
		w.el("filedigest", "")
		w.el("cloud", "")
		w.el("user_agent", "")
		w.el("filetype", "")
		w.el("xff", "")
		w.el("referer", "")
		w.el("sender", "")
		w.el("subject", "")
		w.el("recipient", "")
		w.el("http_method", "get")
		w.el("http_headers", "")
		w.el("contenttype", "")
		w.el("url_category_list", "")
	}
	w.el("s_decrypted", "0")
	w.el("s_encrypted", "0")
	w.el("vpadding", "0")
	w.el("category_of_app", meta.category)
	w.el("subcategory_of_app", meta.subcategory)
	w.el("technology_of_app", meta.technology)
	w.el("tunneled_app", app)
	w.el("risk_of_app", meta.risk)
	w.el("is_saas_of_app", "no")
	w.el("sanctioned_state_of_app", "no")
	w.el("bpadding", "0")
	for i := range 4 {
		level := "0"
		if i < len(d.dgHier) {
			level = d.dgHier[i]
		}
		w.el("dg_hier_level_"+strconv.Itoa(i+1), level)
	}
	w.el("device_name", d.hostname)
	w.el("vsys_id", "1")
	w.el("tunnelid_imsi", "0")
	w.el("parent_session_id", "0")
	if !e.threat {
		v := e.volume()
		sent, recv, pktsSent, pktsRecv := v.sent, v.recv, v.pktsSent, v.pktsRecv
		start, elapsed := s.start, (s.end-s.start)/1000
		if e.subtype != "end" {
			elapsed = 0
		}
		w.num("bytes", sent+recv)
		w.num("bytes_sent", sent)
		w.num("bytes_received", recv)
		w.num("packets", pktsSent+pktsRecv)
		w.el("start", time.UnixMilli(start).In(d.loc).Format(devTimeFmt))
		w.num("elapsed", elapsed)
		w.el("category", "any")
		w.el("traffic_flags", "0x0")
		w.el("flag-decrypt-forwarded", "no")
		w.el("flag-l7-skipped", "no")
		w.num("pkts_sent", pktsSent)
		w.num("pkts_received", pktsRecv)
		if e.subtype == "end" {
			w.el("session_end_reason", s.endReason)
		} else {
			w.el("session_end_reason", "policy-deny")
		}
		w.el("action_source", "from-policy")
		w.el("assoc_id", "0")
		w.el("chunks", "0")
		w.el("chunks_sent", "0")
		w.el("chunks_received", "0")
		w.el("http2_connection", "0")
		w.el("link_change_count", "0")
		w.el("sdwan_fec_data", "0")
		w.el("offloaded", "0")
	} else {
		w.el("assoc_id", "0")
		w.el("ppid", "4294967295")
		w.el("http2_connection", "0")
		w.el("cloudreportid", "")
	}
	w.el("tunnelid", "0")
	w.el("imsi", "")
	w.el("monitortag", "0")
	w.el("imei", "")
	b.WriteString("</entry>")
}
