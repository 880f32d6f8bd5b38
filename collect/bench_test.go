package collect

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// benchPage builds a FIN log page of n entries in the shape of the recorded
// answers: every entry carries the ~100 elements a PAN-OS 10.x device sends,
// most of which mine ignores.
func benchPage(n int, threat bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<response status="success"><result><job><tenq>09:00:00</tenq><tdeq>09:00:00</tdeq><tlast>09:00:01</tlast><status>FIN</status><id>42</id></job><log><logs count="%d" progress="100">`, n)
	for i := 0; i < n; i++ {
		sec := i % 60
		fmt.Fprintf(&b, `<entry logid="%d"><domain>1</domain><receive_time>2026/11/20 09:%02d:%02d</receive_time><serial>007054000123456</serial><seqno>%d</seqno>`, 7000000+i, (i/60)%60, sec, 7000000+i)
		b.WriteString(`<actionflags>0x8000000000000000</actionflags><is-logging-service>no</is-logging-service>`)
		if threat {
			b.WriteString(`<type>THREAT</type><subtype>vulnerability</subtype>`)
		} else {
			b.WriteString(`<type>TRAFFIC</type><subtype>end</subtype>`)
		}
		fmt.Fprintf(&b, `<config_ver>2562</config_ver><time_generated>2026/11/20 09:%02d:%02d</time_generated><high_res_timestamp>2026-11-20T09:%02d:%02d.393-08:00</high_res_timestamp>`, (i/60)%60, sec, (i/60)%60, sec)
		fmt.Fprintf(&b, `<src>10.1.%d.%d</src><dst>10.20.5.%d</dst><natsrc>0.0.0.0</natsrc><natdst>0.0.0.0</natdst><rule>Allow-Web-Ports</rule><rule_uuid>5f6a0c1e-8d7b-4f0e-9a1b-2c3d4e5f6a7b</rule_uuid>`, i%7, i%200, 11+i%6)
		b.WriteString(`<srcloc code="10.0.0.0-10.255.255.255" cc="10.0.0.0-10.255.255.255">10.0.0.0-10.255.255.255</srcloc><dstloc code="10.0.0.0-10.255.255.255" cc="10.0.0.0-10.255.255.255">10.0.0.0-10.255.255.255</dstloc>`)
		b.WriteString(`<app>web-browsing</app><vsys>vsys1</vsys><from>trust</from><to>dmz</to><inbound_if>ethernet1/2</inbound_if><outbound_if>ethernet1/3</outbound_if><logset>default</logset>`)
		fmt.Fprintf(&b, `<time_received>2026/11/20 09:%02d:%02d</time_received><sessionid>%d</sessionid><repeatcnt>1</repeatcnt><sport>%d</sport><dport>8080</dport><natsport>0</natsport><natdport>0</natdport>`, (i/60)%60, sec, 400000+i, 40000+i%20000)
		b.WriteString(`<flags>0x2000</flags><flag-pcap>no</flag-pcap><flag-flagged>no</flag-flagged><flag-proxy>no</flag-proxy><flag-url-denied>no</flag-url-denied><flag-nat>no</flag-nat><captive-portal>no</captive-portal><non-std-dport>yes</non-std-dport><transaction>no</transaction><pbf-c2s>no</pbf-c2s><pbf-s2c>no</pbf-s2c><temporary-match>no</temporary-match><sym-return>no</sym-return><decrypt-mirror>no</decrypt-mirror><credential-detected>no</credential-detected><flag-mptcp-set>no</flag-mptcp-set><flag-tunnel-inspected>no</flag-tunnel-inspected><flag-recon-excluded>no</flag-recon-excluded><flag-wf-channel>no</flag-wf-channel>`)
		b.WriteString(`<proto>tcp</proto><tunnel>N/A</tunnel><tpadding>0</tpadding><cpadding>0</cpadding><s_decrypted>0</s_decrypted><s_encrypted>0</s_encrypted><vpadding>0</vpadding>`)
		b.WriteString(`<category_of_app>general-internet</category_of_app><subcategory_of_app>internet-utility</subcategory_of_app><technology_of_app>browser-based</technology_of_app><risk_of_app>4</risk_of_app><is_saas_of_app>no</is_saas_of_app><sanctioned_state_of_app>no</sanctioned_state_of_app>`)
		b.WriteString(`<dg_hier_level_1>0</dg_hier_level_1><dg_hier_level_2>0</dg_hier_level_2><dg_hier_level_3>0</dg_hier_level_3><dg_hier_level_4>0</dg_hier_level_4><device_name>fw-edge-01</device_name><vsys_id>1</vsys_id><tunnelid_imsi>0</tunnelid_imsi><parent_session_id>0</parent_session_id>`)
		if threat {
			codes := []int{200, 200, 200, 304, 404, 302, 500}
			code := codes[i%len(codes)]
			fmt.Fprintf(&b, `<action>alert</action><misc>inventory.corp.example/api/v1/items/%d?page=2&amp;sort=asc</misc><threatid>HTTP-%d</threatid><tid>%d</tid><thr_category>info-leak</thr_category><contentver>AppThreat-8790-8400</contentver><severity>informational</severity><direction>server-to-client</direction><category>any</category><http_method>get</http_method><user_agent>Mozilla/5.0</user_agent><referer></referer><xff></xff><pcap_id>0</pcap_id><filedigest></filedigest><cloud></cloud><reportid>0</reportid>`, i, code, 41003+i%3)
		} else {
			fmt.Fprintf(&b, `<action>allow</action><bytes>%d</bytes><bytes_sent>%d</bytes_sent><bytes_received>%d</bytes_received><packets>12</packets><start>2026/11/20 09:%02d:%02d</start><elapsed>3</elapsed><category>any</category><traffic_flags>0x0</traffic_flags><pkts_sent>6</pkts_sent><pkts_received>6</pkts_received><session_end_reason>tcp-fin</session_end_reason><action_source>from-policy</action_source>`, 3000+i, 1000+i, 2000, (i/60)%60, sec)
		}
		b.WriteString(`<assoc_id>0</assoc_id><chunks>0</chunks><http2_connection>0</http2_connection><link_change_count>0</link_change_count><offloaded>0</offloaded><imsi/><monitortag/><imei/></entry>`)
	}
	b.WriteString(`</logs></log></result></response>`)
	return b.Bytes()
}

// xmlThreat and xmlTraffic decode the same fields with encoding/xml: the
// baseline a straightforward client would use.
type xmlThreat struct {
	ReceiveTime string `xml:"receive_time"`
	Serial      string `xml:"serial"`
	DeviceName  string `xml:"device_name"`
	Vsys        string `xml:"vsys"`
	SeqNo       uint64 `xml:"seqno"`
	SessionID   uint64 `xml:"sessionid"`
	RepeatCount int    `xml:"repeatcnt"`
	Rule        string `xml:"rule"`
	RuleUUID    string `xml:"rule_uuid"`
	From        string `xml:"from"`
	To          string `xml:"to"`
	Src         string `xml:"src"`
	Dst         string `xml:"dst"`
	SPort       int    `xml:"sport"`
	DPort       int    `xml:"dport"`
	Proto       string `xml:"proto"`
	App         string `xml:"app"`
	Subtype     string `xml:"subtype"`
	ThreatID    string `xml:"threatid"`
	TID         int    `xml:"tid"`
	Severity    string `xml:"severity"`
	Direction   string `xml:"direction"`
	Action      string `xml:"action"`
	Misc        string `xml:"misc"`
}

type xmlTraffic struct {
	ReceiveTime   string `xml:"receive_time"`
	Start         string `xml:"start"`
	Serial        string `xml:"serial"`
	DeviceName    string `xml:"device_name"`
	Vsys          string `xml:"vsys"`
	SeqNo         uint64 `xml:"seqno"`
	SessionID     uint64 `xml:"sessionid"`
	RepeatCount   int    `xml:"repeatcnt"`
	Rule          string `xml:"rule"`
	RuleUUID      string `xml:"rule_uuid"`
	From          string `xml:"from"`
	To            string `xml:"to"`
	Src           string `xml:"src"`
	Dst           string `xml:"dst"`
	SPort         int    `xml:"sport"`
	DPort         int    `xml:"dport"`
	Proto         string `xml:"proto"`
	App           string `xml:"app"`
	Action        string `xml:"action"`
	Subtype       string `xml:"subtype"`
	Bytes         int64  `xml:"bytes"`
	BytesSent     int64  `xml:"bytes_sent"`
	BytesReceived int64  `xml:"bytes_received"`
	Packets       int64  `xml:"packets"`
	Elapsed       int64  `xml:"elapsed"`
	EndReason     string `xml:"session_end_reason"`
}

// decodeStd streams the page with encoding/xml, decoding each <entry> into
// T and converting times in the device zone, as a plain client would.
func decodeStd[T any](b *testing.B, body []byte, loc *time.Location, recv func(*T) string) int {
	dec := xml.NewDecoder(bytes.NewReader(body))
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "entry" {
			continue
		}
		var e T
		if err := dec.DecodeElement(&e, &se); err != nil {
			b.Fatal(err)
		}
		if _, err := time.ParseInLocation(logTimeLayout, recv(&e), loc); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

func BenchmarkThreatPage(b *testing.B) {
	benchPages(b, benchPage(5000, true), func(body []byte, loc *time.Location) (int, error) {
		n, _, err := ParseThreatPage(body, loc, func(*mine.ThreatLog) error { return nil })
		return n, err
	}, func(b *testing.B, body []byte, loc *time.Location) int {
		return decodeStd(b, body, loc, func(e *xmlThreat) string { return e.ReceiveTime })
	})
}

func BenchmarkTrafficPage(b *testing.B) {
	benchPages(b, benchPage(5000, false), func(body []byte, loc *time.Location) (int, error) {
		n, _, err := ParseTrafficPage(body, loc, func(*mine.TrafficLog) error { return nil })
		return n, err
	}, func(b *testing.B, body []byte, loc *time.Location) int {
		return decodeStd(b, body, loc, func(e *xmlTraffic) string { return e.ReceiveTime })
	})
}

// benchPages runs mine's parser and the encoding/xml baseline on the same
// 5000-entry page, each reporting entries/s.
func benchPages(b *testing.B, body []byte, parse func([]byte, *time.Location) (int, error), std func(*testing.B, []byte, *time.Location) int) {
	loc, _ := time.LoadLocation("America/Los_Angeles")
	run := func(name string, once func(*testing.B) (int, error)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if n, err := once(b); err != nil || n != 5000 {
					b.Fatalf("%s parsed %d entries, %v; want 5000", name, n, err)
				}
			}
			b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
	run("mine", func(*testing.B) (int, error) { return parse(body, loc) })
	run("encoding_xml", func(b *testing.B) (int, error) { return std(b, body, loc), nil })
}

// The benchmark page parses to the same records both ways. Its entries
// carry high_res_timestamp at -08:00, Los Angeles in November.
func TestBenchPageAgrees(t *testing.T) {
	body := benchPage(50, true)
	var got []mine.ThreatLog
	la, _ := time.LoadLocation("America/Los_Angeles")
	if _, _, err := ParseThreatPage(body, la, func(l *mine.ThreatLog) error { got = append(got, *l); return nil }); err != nil {
		t.Fatal(err)
	}
	var want []xmlThreat
	var doc struct {
		E []xmlThreat `xml:"result>log>logs>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	want = doc.E
	if len(got) != len(want) {
		t.Fatalf("parsed %d entries; encoding/xml %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.URL != w.Misc || g.ThreatName != w.ThreatID || g.ThreatID != w.TID || g.SeqNo != w.SeqNo || g.Src != w.Src ||
			g.DstPort != w.DPort || g.ReceiveTime.Add(-8*time.Hour).Format(logTimeLayout) != w.ReceiveTime || g.RuleUUID != w.RuleUUID {
			t.Errorf("entry %d: mine %+v; encoding/xml %+v", i, g, w)
		}
	}
}
