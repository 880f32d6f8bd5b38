package collect

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

func readReal(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/real/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The recorded answer is a real device's FIN page with one TRAFFIC entry.
// Its high_res_timestamp says the device was at +01:00, so receive_time
// 2022/07/28 15:09:22 is 14:09:22 UTC.
func TestParseTrafficPageRecorded(t *testing.T) {
	body := readReal(t, "demisto-query_logs.xml")
	loc := time.FixedZone("device", 3600)
	var got []mine.TrafficLog
	n, fin, err := ParseTrafficPage(body, loc, func(l *mine.TrafficLog) error { got = append(got, *l); return nil })
	if err != nil {
		t.Fatalf("ParseTrafficPage: %v", err)
	}
	if n != 1 || !fin || len(got) != 1 {
		t.Fatalf("ParseTrafficPage = %d entries, finished %v; want 1, true", n, fin)
	}
	l := got[0]
	want := mine.TrafficLog{
		ReceiveTime: time.Date(2022, 7, 28, 14, 9, 22, 0, time.UTC),
		Start:       time.Date(2022, 7, 28, 14, 8, 49, 0, time.UTC),
		Serial:      "1234", DeviceName: "Firewall", Vsys: "vsys1", SeqNo: 1234, SessionID: 422121, RepeatCount: 1,
		Rule: "LAN to Internet - Default Applications", RuleUUID: "1234", FromZone: "L3-trust", ToZone: "L3-untrust",
		Src: "1.1.1.1", Dst: "1.1.1.1", SrcPort: 80, DstPort: 80, Proto: "udp", App: "insufficient-data", Action: "allow", Subtype: "end",
		Bytes: 392, BytesSent: 330, BytesReceived: 62, Packets: 5, ElapsedSeconds: 3, SessionEndReason: "aged-out",
	}
	if l != want {
		t.Errorf("ParseTrafficPage(recorded) =\n%+v\nwant\n%+v", l, want)
	}
}

const threatPageHead = `<response status="success"><result><job><tenq>09:00:00</tenq><status>FIN</status><id>7</id></job><log><logs count="3" progress="100">`

func TestParseThreatPage(t *testing.T) {
	body := threatPageHead +
		// name + tid, as the XML API answers
		`<entry logid="1"><receive_time>2026/11/20 09:15:02</receive_time><serial>0070</serial><seqno>11</seqno><type>THREAT</type><subtype>vulnerability</subtype><src>10.1.2.3</src><dst>10.20.5.11</dst><rule>Allow-Web-Ports</rule><app>web-browsing</app><from>trust</from><to>dmz</to><sport>51000</sport><dport>8080</dport><misc>inventory.corp.example/api/items?id=7&amp;x=1</misc><threatid>HTTP-200</threatid><tid>41003</tid><severity>informational</severity><direction>server-to-client</direction><repeatcnt>3</repeatcnt><sessionid>99</sessionid><srcloc cc="10.0.0.0-10.255.255.255">10.0.0.0-10.255.255.255</srcloc><unknown_field><nested>x</nested></unknown_field></entry>` +
		// name(ID) form, quoted misc, no tid, empty element
		`<entry logid="2"><receive_time>2026/11/20 23:59:59</receive_time><serial>0070</serial><seqno>12</seqno><threatid>HTTP-404(41026)</threatid><misc>"wiki.corp.example/old/logo.png"</misc><srcuser/></entry>` +
		// CDATA misc, truncated quote
		`<entry logid="3"><receive_time>2026/11/21 00:00:00</receive_time><seqno>13</seqno><threatid>HTTP-500</threatid><tid>41049</tid><misc><![CDATA["a.example/<x>]]></misc></entry>` +
		`</logs></log></result></response>`
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	var got []mine.ThreatLog
	n, fin, err := ParseThreatPage([]byte(body), loc, func(l *mine.ThreatLog) error { got = append(got, *l); return nil })
	if err != nil || n != 3 || !fin {
		t.Fatalf("ParseThreatPage = %d, %v, %v; want 3, true, nil", n, fin, err)
	}
	tests := []struct {
		i            int
		time         time.Time
		name         string
		id           int
		url          string
		repeat, hits int
	}{
		{0, time.Date(2026, 11, 20, 17, 15, 2, 0, time.UTC), "HTTP-200", 41003, "inventory.corp.example/api/items?id=7&x=1", 3, 3},
		{1, time.Date(2026, 11, 21, 7, 59, 59, 0, time.UTC), "HTTP-404", 41026, "wiki.corp.example/old/logo.png", 0, 1},
		{2, time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), "HTTP-500", 41049, "a.example/<x>", 0, 1},
	}
	for _, tc := range tests {
		l := got[tc.i]
		if !l.ReceiveTime.Equal(tc.time) || l.ThreatName != tc.name || l.ThreatID != tc.id || l.URL != tc.url || l.RepeatCount != tc.repeat || l.Hits() != tc.hits {
			t.Errorf("entry %d = %v %q %d %q repeat %d hits %d; want %v %q %d %q repeat %d hits %d", tc.i,
				l.ReceiveTime, l.ThreatName, l.ThreatID, l.URL, l.RepeatCount, l.Hits(), tc.time, tc.name, tc.id, tc.url, tc.repeat, tc.hits)
		}
	}
	if l := got[0]; l.Src != "10.1.2.3" || l.Dst != "10.20.5.11" || l.DstPort != 8080 || l.SrcPort != 51000 || l.Rule != "Allow-Web-Ports" ||
		l.FromZone != "trust" || l.ToZone != "dmz" || l.App != "web-browsing" || l.SessionID != 99 || l.Severity != "informational" || l.Direction != "server-to-client" {
		t.Errorf("entry 0 = %+v; fields not as in the XML", l)
	}
}

func TestParseLogPageStates(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantN   int
		wantFin bool
		wantErr string
	}{
		{"active, no log node", `<response status="success"><result><job><status>ACT</status><id>1</id></job></result></response>`, 0, false, ""},
		{"active, empty logs", `<response status="success"><result><job><status>ACT</status></job><log><logs count="0" progress="40"/></log></result></response>`, 0, false, ""},
		{"finished empty", `<response status="success"><result><job><status>FIN</status></job><log><logs count="0" progress="100"/></log></result></response>`, 0, true, ""},
		{"error status", `<response status="error"><msg><line>job 5 not found</line></msg></response>`, 0, false, "status"},
		{"truncated", threatPageHead + `<entry logid="1"><receive_time>2026/11/20 09:15:02</receive_time><misc>abc`, 0, false, "malformed"},
		{"bad time", threatPageHead + `<entry><receive_time>2026-11-20T09:15:02</receive_time></entry></logs></log></result></response>`, 0, false, "YYYY/MM/DD"},
		{"bad number", threatPageHead + `<entry><receive_time>2026/11/20 09:15:02</receive_time><seqno>12x</seqno></entry></logs></log></result></response>`, 0, false, "not a number"},
		{"missing time", threatPageHead + `<entry><seqno>12</seqno></entry></logs></log></result></response>`, 0, false, "no receive_time"},
		{"not xml", `Service Unavailable`, 0, false, "no <response>"},
		{"mismatched", threatPageHead + `<entry><receive_time>2026/11/20 09:15:02</seqno></entry></logs></log></result></response>`, 0, false, "closed by"},
		{"bad entity", threatPageHead + `<entry><receive_time>2026/11/20 09:15:02</receive_time><misc>a&bogus;</misc></entry></logs></log></result></response>`, 0, false, "entity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, fin, err := ParseThreatPage([]byte(tc.body), time.UTC, func(*mine.ThreatLog) error { return nil })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseThreatPage = %v; want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || n != tc.wantN || fin != tc.wantFin {
				t.Errorf("ParseThreatPage = %d, %v, %v; want %d, %v, nil", n, fin, err, tc.wantN, tc.wantFin)
			}
		})
	}
}

func FuzzParseThreatPage(f *testing.F) {
	f.Add([]byte(threatPageHead + `<entry><receive_time>2026/11/20 09:15:02</receive_time><misc>a&amp;b</misc><threatid>HTTP-200(41003)</threatid></entry></logs></log></result></response>`))
	f.Add(readReal(f, "demisto-query_logs.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _, _ = ParseThreatPage(body, time.UTC, func(l *mine.ThreatLog) error {
			if l.ReceiveTime.IsZero() {
				t.Fatalf("entry delivered without a receive time")
			}
			return nil
		})
		_, _, _ = ParseTrafficPage(body, time.UTC, func(*mine.TrafficLog) error { return nil })
	})
}
