package collect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// realLine returns line n (1-based) of a file in testdata/real/syslog.
func realLine(t *testing.T, file string, n int) []byte {
	t.Helper()
	lines := bytes.Split(readReal(t, "syslog/"+file), []byte("\n"))
	if n < 1 || n > len(lines) {
		t.Fatalf("%s has no line %d", file, n)
	}
	return lines[n-1]
}

// importAll reads input with every threat kept (whatever its subtype and
// ID: the real lines are URL, spyware and file logs) and returns the
// records and the stats.
func importAll(t *testing.T, name string, input []byte, o ImportOptions) ([]mine.ThreatLog, []mine.TrafficLog, *ImportStats) {
	t.Helper()
	var threats []mine.ThreatLog
	var traffic []mine.TrafficLog
	o.MinThreatID, o.MaxThreatID = 1, 1<<31-1
	o.Threat = func(l *mine.ThreatLog) error { threats = append(threats, *l); return nil }
	o.Traffic = func(l *mine.TrafficLog) error { traffic = append(traffic, *l); return nil }
	im, err := NewImporter(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range im.parsers {
		p.b.keepAll = true
	}
	if err := im.Read(context.Background(), name, bytes.NewReader(input), int64(len(input))); err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return threats, traffic, im.Stats()
}

func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// Every field mine uses, read from real PAN-OS lines. Each want was read
// by hand from the line named in its comment (field positions counted in
// the line itself; the MANIFEST names the source, release and form).
// Times without an offset and without --device-tz are read as UTC; with a
// high_res_timestamp its offset places them.
func TestImportRealThreatLines(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		line       int
		prep       func([]byte) []byte
		want       mine.ThreatLog
		assumedUTC int64
	}{
		{
			// <14> Jul 24 12:12:23 THE-FW-4.local 1,2019/07/24 12:12:22,012001011326,THREAT,vulnerability,2049,...
			// BSD with a space after PRI, PAN-OS 8.1, the Name(ID) form of a vulnerability.
			name: "8.1 BSD vulnerability Name(ID)", file: "layer3-pan-os-syslog.log", line: 8,
			want: mine.ThreatLog{ReceiveTime: utc(2019, 7, 24, 12, 12, 22), Serial: "012001011326", DeviceName: "THE-FW-4-HOST",
				Vsys: "vsys413", SeqNo: 89814684, SessionID: 60519, RepeatCount: 1, Rule: "SOME-RULE", FromZone: "my-src-zone",
				ToZone: "my-dst-zone", Src: "192.0.2.3", Dst: "192.0.2.3", SrcPort: 61242, DstPort: 142, Proto: "tcp",
				App: "msrpc-base", Subtype: "vulnerability", ThreatID: 30845, ThreatName: "Microsoft RPC Endpoint Mapper Detection",
				Severity: "informational", Direction: "client-to-server", Action: "alert", URL: ""},
			assumedUTC: 1,
		},
		{
			// <13> Jul 23 15:45:11 NY-APP-8.local 1,2019/07/23 15:45:11,...,alert,"www.example.com/string/""hello""",(9999),...
			// quoted misc with doubled quotes inside; repeat count 2.
			name: "8.1 url misc with embedded quotes", file: "layer3-pan-os-syslog.log", line: 6,
			want: mine.ThreatLog{ReceiveTime: utc(2019, 7, 23, 15, 45, 11), Serial: "028191718331", DeviceName: "NY-APP-8",
				Vsys: "vsys79", SeqNo: 97089310, SessionID: 95963, RepeatCount: 2, Rule: "MY-RULE-NAME", FromZone: "src-zone",
				ToZone: "dst-zone", Src: "192.0.2.240", Dst: "192.0.2.243", SrcPort: 59457, DstPort: 443, Proto: "tcp", App: "ssl",
				Subtype: "url", ThreatID: 9999, Severity: "informational", Direction: "client-to-server", Action: "alert",
				URL: `www.example.com/string/"hello"`},
			assumedUTC: 1,
		},
		{
			// <13>Nov  3 07:28:05 bigbox.example.com 1,2019/11/03 07:28:04,...,alert,"SylinkDrop.exe",Windows Executable (EXE)(52020),...
			// two spaces before a one-digit day; misc is a file name and stays one.
			name: "8.1 file log keeps the file name", file: "layer3-pan-os-syslog.log", line: 10,
			want: mine.ThreatLog{ReceiveTime: utc(2019, 11, 3, 7, 28, 4), Serial: "003942130261", DeviceName: "bigbox",
				Vsys: "vsys13", SeqNo: 96402817, SessionID: 187912, RepeatCount: 2, Rule: "Alpha-Rule", FromZone: "Alpha-Zone",
				ToZone: "Beta-Zone", Src: "192.0.2.11", Dst: "192.0.2.12", SrcPort: 53181, DstPort: 445, Proto: "tcp",
				App: "ms-ds-smbv2", Subtype: "file", ThreatID: 52020, ThreatName: "Windows Executable (EXE)", Severity: "low",
				Direction: "server-to-client", Action: "alert", URL: "SylinkDrop.exe"},
			assumedUTC: 1,
		},
		{
			// Mar 9 14:47:44 firewall1.example.com 1,2020/03/09 14:47:44,001701012545,THREAT,url,2304,...
			// no PRI, PAN-OS 9.0 (adds the rule UUID), a domain\user source user.
			name: "9.0 BSD without PRI", file: "layer3-pan-os-syslog.log", line: 15,
			want: mine.ThreatLog{ReceiveTime: utc(2020, 3, 9, 14, 47, 44), Serial: "001701012545", DeviceName: "firewall1",
				Vsys: "vsys1", SeqNo: 2314781488, SessionID: 455102, RepeatCount: 1, Rule: "FOO to BAR",
				RuleUUID: "edd29e10-d927-1753-867f-0108b01b80de", FromZone: "FOO", ToZone: "BAR", Src: "192.0.2.101",
				Dst: "192.0.2.102", SrcUser: `example\jdoe`, SrcPort: 62475, DstPort: 443, Proto: "tcp", App: "ssl",
				Subtype: "url", ThreatID: 9999, Severity: "informational", Direction: "client-to-server", Action: "alert",
				URL: "dt.adsafeprotected.com/"},
			assumedUTC: 1,
		},
		{
			// <14>Mar  2 11:30:47 MY-PA-5250-3 1,2021/03/02 11:30:47,012911492893,THREAT,url,2305,...
			// PAN-OS 9.1; misc is host:port/ and stays as logged.
			name: "9.1 misc with a port", file: "layer3-pan-os-syslog.log", line: 19,
			want: mine.ThreatLog{ReceiveTime: utc(2021, 3, 2, 11, 30, 47), Serial: "012911492893", DeviceName: "MY-PA-5250-1",
				Vsys: "vsys1", SeqNo: 4901795984744840635, SessionID: 38578210, RepeatCount: 1, Rule: "rule99",
				RuleUUID: "9871ab80-6061-4f07-a06e-0036b0206f73", FromZone: "MY-trust", ToZone: "MY-dmz", Src: "192.0.2.22",
				Dst: "192.0.2.17", SrcUser: `foo\_bar`, SrcPort: 63421, DstPort: 5986, Proto: "tcp", App: "ssl", Subtype: "url",
				ThreatID: 9999, Severity: "informational", Direction: "client-to-server", Action: "allow",
				URL: "192.0.2.17_solarwinds_zero_configuration:5986/"},
			assumedUTC: 1,
		},
		{
			// <14>Jul 25 09:39:39 Panorama 1,2022/07/25 09:39:39,012801204178,THREAT,url,2560,...,2022-07-25T09:40:03.909-04:00,...
			// PAN-OS 10.0, forwarded by Panorama; high_res_timestamp (field 107) says -04:00.
			name: "10.0 high_res_timestamp offset", file: "layer3-pan-os-syslog.log", line: 23,
			want: mine.ThreatLog{ReceiveTime: utc(2022, 7, 25, 13, 39, 39), Serial: "012801204178", DeviceName: "NYC-ABC-PA-220",
				Vsys: "vsys1", SeqNo: 30720475, SessionID: 31669, RepeatCount: 1, Rule: "trust-to-untrust-allow-any",
				RuleUUID: "a40f8ec5-109d-4dc5-b09d-33b848f5bd09", FromZone: "ABC-trust", ToZone: "ABC-untrust",
				Src: "192.0.2.254", Dst: "192.0.2.201", SrcPort: 53686, DstPort: 443, Proto: "tcp", App: "ssl", Subtype: "url",
				ThreatID: 9999, Severity: "informational", Direction: "client-to-server", Action: "block-url", URL: "t.co/"},
		},
		{
			// <190>Oct 30 09:46:17 1,2012/10/30 09:46:17,01606001116,THREAT,url,1,...
			// BSD without the host, a 2012 release (42 fields, seqno 0).
			name: "2012 BSD without host", file: "sc4s-palo_alto.log", line: 4,
			want: mine.ThreatLog{ReceiveTime: utc(2012, 10, 30, 9, 46, 17), Serial: "01606001116", Vsys: "vsys1", SessionID: 22860,
				RepeatCount: 1, Rule: "rule1", FromZone: "trust", ToZone: "untrust", Src: "192.168.0.2", Dst: "204.232.231.46",
				SrcUser: "crusher", SrcPort: 59303, DstPort: 80, Proto: "tcp", App: "web-browsing", Subtype: "url", ThreatID: 9999,
				Severity: "informational", Direction: "client-to-server", Action: "alert", URL: "litetopdetect.cn/index.php"},
			assumedUTC: 1,
		},
		{
			// <190>Jan 28 01:28:35 fooooo 1,2020/07/08 16:48:50,013201020735,THREAT,url,2049,...,alert,"geocode.arcgis.com/...{""x"":-33,...}}",(9999),...
			// commas and doubled quotes inside the quoted misc.
			name: "8.1 misc with commas and quotes", file: "sc4s-palo_alto.log", line: 5,
			want: mine.ThreatLog{ReceiveTime: utc(2020, 7, 8, 16, 48, 50), Serial: "013201020735", DeviceName: "TESTFW01",
				Vsys: "vsys1", SeqNo: 6816029286804555581, SessionID: 357728, RepeatCount: 1, Rule: "URLFilter_CatchAll_Internet",
				FromZone: "DMZ", ToZone: "Outside", Src: "10.1.1.1", Dst: "1.1.1.2", SrcUser: "testuser", SrcPort: 61066,
				DstPort: 80, Proto: "tcp", App: "arcgis", Subtype: "url", ThreatID: 9999, Severity: "informational",
				Direction: "client-to-server", Action: "alert",
				URL: `geocode.arcgis.com/arcgis/rest/services/World/GeocodeServer/reverseGeocode?distance=100&f=json&location={"x":-33,"y":22.3,"spatialReference":{"wkid":111}}`},
			assumedUTC: 1,
		},
		{
			// 1,2020/12/04 11:09:37,012801137062,THREAT,url,2305,... (no syslog header at all)
			// misc carries a scheme, kept as logged.
			name: "9.1 without header", file: "sukster-sample_log1.txt", line: 1,
			want: mine.ThreatLog{ReceiveTime: utc(2020, 12, 4, 11, 9, 37), Serial: "012801137062", DeviceName: "win10wks173",
				Vsys: "vsys1", SeqNo: 7, SessionID: 431, RepeatCount: 1, Rule: "ALLOW-ANY L3 Malware Lab to VPN Network",
				RuleUUID: "586566a8-1fd6-4f49-ba59-7c05ffe8fbf7", FromZone: "L3 - Malware Lab", ToZone: "L3 - GL.iNet VPN Network",
				Src: "192.168.38.11", Dst: "186.47.209.222", SrcUser: "user1@email.com", SrcPort: 50508, DstPort: 80,
				Proto: "tcp", App: "web-browsing", Subtype: "url", ThreatID: 9999, Severity: "informational",
				Direction: "client-to-server", Action: "block-url", URL: "https://3hct.com/docs.microsoft/support"},
			assumedUTC: 1,
		},
		{
			// <14>1 2021-11-01T15:14:08.069Z stream-logfwd-xyz logforwarder - panwlogs - 2021-11-01T15:14:06.000000Z,no-serial,THREAT,spyware,10.0,...
			// Strata Logging Service (Prisma Access): ISO 8601 times, shifted positions.
			name: "Strata spyware", file: "layer3-pan-os-syslog.log", line: 17,
			want: mine.ThreatLog{ReceiveTime: utc(2021, 11, 1, 15, 14, 6), Serial: "no-serial", DeviceName: "Big-Firewall",
				Vsys: "vsys1", SeqNo: 12088427, SessionID: 1355037, RepeatCount: 1, Rule: "in-to-out-dns",
				RuleUUID: "ceb0229f-7a4a-5c62-8960-f66b27e2e01e", FromZone: "ZoneA", ToZone: "ZoneB", Src: "192.0.2.20",
				Dst: "8.8.8.8", SrcUser: `domain\exampleuser`, SrcPort: 55517, DstPort: 53, Proto: "udp", App: "dns",
				Subtype: "spyware", ThreatID: 109010001, ThreatName: "Phishing:example.com", Severity: "Low",
				Direction: "client-to-server", Action: "drop", URL: "example.com"},
		},
		{
			// <164>CEF: 0|Palo Alto Networks|PAN-OS|11.2.3-h3|wildfire|THREAT|2|rt=Feb 03 2025 03:44:07 GMT ... request=user.preference.php ... cat=Log4J File(57515) ...
			// CEF from PAN-OS 11.2; rt is UTC; the request is a file name.
			name: "11.2 CEF wildfire", file: "cef-unattributed.log", line: 2,
			want: mine.ThreatLog{ReceiveTime: utc(2025, 2, 3, 3, 44, 7), DeviceName: "PANOSVM", Vsys: "vsys1",
				SeqNo: 7466982072104517632, SessionID: 550, RepeatCount: 7, Rule: "Inside to Outside",
				RuleUUID: "7100098d-55e4-4d08-9d00-1d8a48d13041", FromZone: "Inside", ToZone: "Inside", Src: "10.10.0.69",
				Dst: "10.10.0.70", SrcPort: 57651, DstPort: 80, Proto: "tcp", App: "web-browsing", Subtype: "wildfire",
				ThreatID: 57515, ThreatName: "Log4J File", Direction: "server-to-client", Action: "alert", URL: "user.preference.php"},
		},
		{
			// CEF:0|Palo Alto Networks|PAN-OS|9.1.14|url|THREAT|1|rt=Aug 09 2023 15:29:29 GMT deviceExternalId=551871312974 ...
			// CEF from PAN-OS 9.1 without a syslog header; a quoted request with '=' inside.
			name: "9.1 CEF url", file: "layer3-cef-panos.log", line: 2,
			want: mine.ThreatLog{ReceiveTime: utc(2023, 8, 9, 15, 29, 29), Serial: "551871312974", DeviceName: "Palo-1",
				Vsys: "vsys1", SeqNo: 825210825, SessionID: 121071, RepeatCount: 1, Rule: "In-to-Out",
				RuleUUID: "c9c1db77-1e75-4d47-b1ef-4a5ac6bb59c0", FromZone: "Private", ToZone: "Out", Src: "192.0.2.111",
				Dst: "192.0.2.112", SrcUser: `org\admin`, SrcPort: 56007, DstPort: 80, Proto: "tcp", App: "web-browsing",
				Subtype: "url", ThreatID: 9999, Direction: "client-to-server", Action: "alert",
				URL: "example.com/foo.web?s=xyz;resource=123;element=55;w=1232;h=924;q=8;format=6;1234"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line := realLine(t, tc.file, tc.line)
			got, traffic, st := importAll(t, tc.file, line, ImportOptions{})
			if len(got) != 1 || len(traffic) != 0 {
				t.Fatalf("%s:%d gave %d threat and %d traffic records (bad %v, skipped %v); want one threat record",
					tc.file, tc.line, len(got), len(traffic), st.BadLines, st.Skipped)
			}
			if g := got[0]; g != tc.want {
				t.Errorf("%s:%d =\n %+v\nwant\n %+v", tc.file, tc.line, g, tc.want)
			}
			if st.AssumedUTC != tc.assumedUTC {
				t.Errorf("records read as UTC for want of a zone = %d; want %d", st.AssumedUTC, tc.assumedUTC)
			}
		})
	}
}

func TestImportRealTrafficLines(t *testing.T) {
	tests := []struct {
		name string
		file string
		line int
		tz   string
		want mine.TrafficLog
	}{
		{
			// <12> Jul 14 11:22:29 MY-HOST.example.com 1,2019/07/14 10:26:22,003924147953,TRAFFIC,end,2057,...
			name: "8.1 BSD deny", file: "layer3-pan-os-syslog.log", line: 1,
			want: mine.TrafficLog{ReceiveTime: utc(2019, 7, 14, 10, 26, 22), Start: utc(2019, 7, 14, 10, 18, 15),
				Serial: "003924147953", DeviceName: "MY-DEVICE-NAME", Vsys: "vsys45", SeqNo: 5384825641, SessionID: 33651,
				RepeatCount: 1, Rule: "Example-Rule-Name", FromZone: "My-Source-Zone", ToZone: "My-Dest-Zone", Src: "192.0.2.235",
				Dst: "192.0.2.251", SrcPort: 59061, DstPort: 177, Proto: "tcp", App: "incomplete", Action: "deny", Subtype: "end",
				Bytes: 135, BytesSent: 101, BytesReceived: 34, Packets: 1, SessionEndReason: "policy-deny"},
		},
		{
			// <14>1 2025-07-14T09:50:36-04:00 the-hostname - - - -  1,2025/07/14 09:50:35,025896414892,TRAFFIC,end,2562,...
			// RFC 5424 with two spaces before the payload, PAN-OS 10.2 (114 fields, quoted app characteristics),
			// high_res_timestamp 2025-07-14T09:50:36.624-04:00.
			name: "10.2 RFC 5424", file: "layer3-pan-os-syslog.log", line: 5,
			want: mine.TrafficLog{ReceiveTime: utc(2025, 7, 14, 13, 50, 35), Start: utc(2025, 7, 14, 13, 50, 25),
				Serial: "025896414892", DeviceName: "foo-bar", Vsys: "vsys1", SeqNo: 7470815214340870367, SessionID: 227554,
				RepeatCount: 1, Rule: "Dev-Trust", RuleUUID: "c7dc0e27-4795-4930-8ef8-541919a6ebcd", FromZone: "Dev-Trust",
				ToZone: "Dev-Trust", Src: "192.0.2.125", Dst: "192.0.2.196", Proto: "icmp", App: "ping", Action: "allow",
				Subtype: "end", Bytes: 64, BytesSent: 64, Packets: 1, SessionEndReason: "aged-out"},
		},
		{
			// <190>Jan 28 01:28:35 PA-VM300-goran1 1,2014/01/28 01:28:35,007200001056,TRAFFIC,end,1,... (46 fields)
			name: "2014 BSD with host", file: "sc4s-palo_alto.log", line: 1,
			want: mine.TrafficLog{ReceiveTime: utc(2014, 1, 28, 1, 28, 35), Start: utc(2014, 1, 28, 1, 28, 2),
				Serial: "007200001056", Vsys: "vsys1", SeqNo: 2076326, SessionID: 8720, RepeatCount: 1, Rule: "allow-all",
				FromZone: "Trust", ToZone: "Untrust", Src: "192.168.41.30", Dst: "192.168.41.255", SrcPort: 137, DstPort: 137,
				Proto: "udp", App: "netbios-ns", Action: "allow", Subtype: "end", Bytes: 276, BytesSent: 276, Packets: 3,
				ElapsedSeconds: 2},
		},
		{
			// Oct 30 09:46:12 1,2012/10/30 09:46:12,01606001116,TRAFFIC,start,1,... (no PRI, no host)
			name: "2012 BSD without PRI or host", file: "sc4s-palo_alto.log", line: 3,
			want: mine.TrafficLog{ReceiveTime: utc(2012, 10, 30, 9, 46, 12), Start: utc(2012, 4, 10, 4, 39, 59),
				Serial: "01606001116", Vsys: "vsys1", SessionID: 11449, RepeatCount: 1, Rule: "rule1", FromZone: "trust",
				ToZone: "untrust", Src: "192.168.0.2", Dst: "204.232.231.46", SrcUser: "crusher", SrcPort: 59324, DstPort: 80,
				Proto: "tcp", App: "web-browsing", Action: "allow", Subtype: "start", Bytes: 78, BytesSent: 78, Packets: 1},
		},
		{
			// <14>1 2020-10-09T18:39:02-04:00 paloietf.com - - - - 1,2020/10/09 17:43:54,007200001056,TRAFFIC,end,1210,...
			// RFC 5424, PAN-OS 9.0 (67 fields); --device-tz America/New_York (EDT, -04:00) places the local times.
			name: "9.0 RFC 5424 with --device-tz", file: "sc4s-palo_alto.log", line: 7, tz: "America/New_York",
			want: mine.TrafficLog{ReceiveTime: utc(2020, 10, 9, 21, 43, 54), Start: utc(2020, 10, 9, 20, 53, 27),
				Serial: "007200001056", DeviceName: "dvc_name", Vsys: "vsys1", SeqNo: 1353226782, SessionID: 36459,
				RepeatCount: 1, Rule: "allow-all", RuleUUID: "ace432fe-a9f2-5a1e-327a-91fdce0077da", FromZone: "trust-users",
				ToZone: "untrust", Src: "10.10.30.69", Dst: "13.249.117.12", SrcPort: 39681, DstPort: 443, Proto: "tcp",
				App: "ssl", Action: "allow", Subtype: "end", Bytes: 43135, BytesSent: 24629, BytesReceived: 18506,
				Packets: 189, ElapsedSeconds: 3012, SessionEndReason: "tcp-fin"},
		},
		{
			// <14>1 2021-10-27T19:21:00.034Z stream-logfwd20-... logforwarder - panwlogs - 2021-10-27T19:20:59.000000Z,no-serial,TRAFFIC,end,10.0,...
			name: "Strata traffic", file: "layer3-pan-os-syslog.log", line: 4,
			want: mine.TrafficLog{ReceiveTime: utc(2021, 10, 27, 19, 20, 59), Start: utc(2021, 10, 27, 19, 19, 8),
				Serial: "no-serial", DeviceName: "The-Device-Name", Vsys: "vsys1", SeqNo: 9091497, SessionID: 170172,
				RepeatCount: 1, Rule: "INSIDE-TO-OUTSIDE", RuleUUID: "89092ab0-606f-4c5a-b44c-c271420f3972", FromZone: "Zone-One",
				ToZone: "Zone-Two", Src: "192.0.2.12", Dst: "192.0.2.18", SrcPort: 42493, DstPort: 80, Proto: "tcp",
				App: "web-browsing", Action: "allow", Subtype: "end", Bytes: 892, BytesSent: 818, BytesReceived: 74, Packets: 12,
				ElapsedSeconds: 1, SessionEndReason: "threat"},
		},
		{
			// 1273 <14>1 2024-05-08T01:10:31-07:00 tusredrwep52hb - - - - CEF:0|Palo Alto Networks|PAN-OS|10.1.11|end|TRAFFIC|1|rt=May 08 2024 08:10:31 GMT ...
			// an RFC 6587 octet count, RFC 5424, CEF from PAN-OS 10.1; start=$cefformatted-time_generated is the
			// template's typo, left unset.
			name: "10.1 CEF traffic", file: "cef-unattributed.log", line: 1,
			want: mine.TrafficLog{ReceiveTime: utc(2024, 5, 8, 8, 10, 31), Serial: "013201027985", DeviceName: "tusredrwep52hb",
				Vsys: "vsys1", SeqNo: 7360463872407464946, SessionID: 781099, RepeatCount: 1, Rule: "IANOUTER_to_CORPNET_DNS",
				FromZone: "IANOUTER", ToZone: "CORPNET", Src: "10.226.66.16", Dst: "10.50.10.50", SrcPort: 42301, DstPort: 53,
				Proto: "udp", App: "dns-base", Action: "allow", Subtype: "end", Bytes: 180, BytesSent: 84, BytesReceived: 96,
				Packets: 2, SessionEndReason: "aged-out"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o ImportOptions
			if tc.tz != "" {
				loc, err := time.LoadLocation(tc.tz)
				if err != nil {
					t.Fatal(err)
				}
				o.DeviceTZ = loc
			}
			_, got, st := importAll(t, tc.file, realLine(t, tc.file, tc.line), o)
			if len(got) != 1 {
				t.Fatalf("%s:%d gave %d traffic records (bad %v, skipped %v); want one", tc.file, tc.line, len(got), st.BadLines, st.Skipped)
			}
			if g := got[0]; g != tc.want {
				t.Errorf("%s:%d =\n %+v\nwant\n %+v", tc.file, tc.line, g, tc.want)
			}
		})
	}
}

// Lines of other log types are skipped under their type; the SC4S LEEF
// line's anonymised session ID ("test") is a bad number, named as such.
func TestImportRealSkippedAndBad(t *testing.T) {
	// layer3 lines 20-22 and 24-26: SYSTEM, USERID (no header at all), CORRELATION, GLOBALPROTECT x3.
	var in []byte
	for _, n := range []int{20, 21, 22, 24, 25, 26} {
		in = append(append(in, realLine(t, "layer3-pan-os-syslog.log", n)...), '\n')
	}
	// CEF:0|Palo Alto Networks|PAN-OS|10.0|VPN|GLOBALPROTECT|1|...
	in = append(append(in, realLine(t, "layer3-cef-panos.log", 1)...), '\n')
	_, _, st := importAll(t, "mixed", in, ImportOptions{})
	want := map[string]int64{"system": 1, "userid": 1, "correlation": 1, "globalprotect": 4}
	if fmt.Sprint(st.Skipped) != fmt.Sprint(want) || len(st.Bad) != 0 {
		t.Errorf("skipped %v, bad %v; want skipped %v and nothing bad", st.Skipped, st.Bad, want)
	}

	// Cribl's SYSTEM, GLOBALPROTECT and URL samples, JSON arrays.
	for file, want := range map[string]map[string]int64{
		"cribl-6rAgpv.json": {"system": 4}, "cribl-61hEQ9.json": {"globalprotect": 1},
	} {
		_, _, st := importAll(t, file, readReal(t, "syslog/"+file), ImportOptions{})
		if fmt.Sprint(st.Skipped) != fmt.Sprint(want) || len(st.Bad) != 0 {
			t.Errorf("%s: skipped %v, bad %v; want %v", file, st.Skipped, st.Bad, want)
		}
	}
	var th int
	o := ImportOptions{MinThreatID: 41000, MaxThreatID: 41059, Threat: func(*mine.ThreatLog) error { th++; return nil }}
	im, _ := NewImporter(o)
	if err := im.Read(context.Background(), "url", bytes.NewReader(readReal(t, "syslog/cribl-zU8yWr.json")), -1); err != nil {
		t.Fatal(err)
	}
	if s := im.Stats(); s.Skipped[SkipURL] != 1 || th != 0 {
		t.Errorf("URL filtering log: skipped %v, %d records; want it skipped as url", s.Skipped, th)
	}

	// The LEEF line is a Python string holding a Jinja template: render it as SC4S's test does.
	src := string(realLine(t, "sc4s-leef-panos.py.txt", 1))
	leef := src[strings.IndexByte(src, '"')+1 : strings.LastIndexByte(src, '"')]
	leef = strings.NewReplacer("{{ mark }}", "<13>", "{{ iso }}", "2020-09-03T14:55:00.000+00:00", "{{ host }}", "host").Replace(leef)
	_, _, st = importAll(t, "leef", []byte(leef), ImportOptions{})
	if st.Bad[BadNumber] != 1 || len(st.BadLines) != 1 || !strings.Contains(st.BadLines[0].Detail, `sessionid "test"`) {
		t.Errorf("LEEF line: bad %v %v; want one bad number naming sessionid \"test\"", st.Bad, st.BadLines)
	}
	// The fields before the failure, read by hand: the LEEF attributes of the line.
	var r rawRecord
	if err := readLEEF([]byte(leef[strings.Index(leef, "LEEF:"):]), &r); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[fieldID]string{
		fReceive: "Sep 03 2020 14:54:59 GMT", // devTime, UTC; ReceiveTime=2020/09/03 09:54:59 is device-local
		fSerial:  "012345678912", fType: "TRAFFIC", fSubtype: "end", fSrc: "1.1.1.1", fDst: "1.1.1.1", fRule: "test",
		fApp: "incomplete", fVsys: "vsys1", fFrom: "test", fTo: "test", fSession: "test", fRepeat: "1", fSport: "12345",
		fDport: "443", fProto: "tcp", fAction: "allow", fBytes: "60", fBytesSent: "60", fBytesRecv: "0", fPackets: "1",
		fStart: "2020/09/03 09:54:53", fSeqno: "6694316277998249989", fDevice: "host", fEndReason: "aged-out",
	} {
		if got := string(r.v[f]); got != want {
			t.Errorf("LEEF %s = %q; want %q", fieldNames[f], got, want)
		}
	}
}

// Cribl's sample events are a JSON array wrapping the raw syslog line in
// _raw (and the payload alone in message): both give the same records.
func TestImportRealJSONWrapper(t *testing.T) {
	in := readReal(t, "syslog/cribl-Gq5Bjl.json")
	for _, fields := range [][]string{nil, {"message"}} {
		_, got, st := importAll(t, "cribl", in, ImportOptions{JSONFields: fields})
		if len(got) != 4 || st.Lines != 4 {
			t.Fatalf("fields %v: %d records of %d lines (bad %v); want 4 of 4", fields, len(got), st.Lines, st.BadLines)
		}
		// "_raw":"<14>Sep 20 13:03:58 PA-VM 1,2018/09/20 13:03:58,44A1B3FC68F5304,TRAFFIC,end,2049,...,splunk,...,aged-out,...,PA-VM,..."
		want := mine.TrafficLog{ReceiveTime: utc(2018, 9, 20, 13, 3, 58), Start: utc(2018, 9, 20, 13, 3, 45),
			Serial: "44A1B3FC68F5304", DeviceName: "PA-VM", Vsys: "vsys1", SeqNo: 730277, SessionID: 574326, RepeatCount: 1,
			Rule: "splunk", FromZone: "untrusted", ToZone: "trusted", Src: "34.217.108.226", Dst: "10.0.0.102", SrcPort: 53722,
			DstPort: 8088, Proto: "tcp", App: "incomplete", Action: "allow", Subtype: "end", Bytes: 296, BytesSent: 296,
			Packets: 4, ElapsedSeconds: 7, SessionEndReason: "aged-out"}
		if got[0] != want {
			t.Errorf("fields %v: first record =\n %+v\nwant\n %+v", fields, got[0], want)
		}
	}
}

// A web interface export: the 9.1 column names sukster's script maps its
// exports with, over the 9.1 threat row from the same repository.
func TestImportRealCSVExport(t *testing.T) {
	src := string(readReal(t, "syslog/sukster-log2json2-field-names.py.txt"))
	var names []string
	for _, q := range strings.Split(src[strings.IndexByte(src, '[')+1:strings.LastIndexByte(src, ']')], ",") {
		names = append(names, strings.Trim(strings.TrimSpace(q), "'"))
	}
	if names[0] != "Domain" || names[1] != "Receive Time" || len(names) < 79 {
		t.Fatalf("column names %v", names)
	}
	row := realLine(t, "sukster-sample_log1.txt", 1)
	in := []byte(strings.Join(names, ",") + "\n" + string(row) + "\n")
	got, _, st := importAll(t, "export.csv", in, ImportOptions{})
	if len(got) != 1 {
		t.Fatalf("%d records (bad %v)", len(got), st.BadLines)
	}
	// the same values as the headerless line of TestImportRealThreatLines
	want := mine.ThreatLog{ReceiveTime: utc(2020, 12, 4, 11, 9, 37), Serial: "012801137062", DeviceName: "win10wks173",
		Vsys: "vsys1", SeqNo: 7, SessionID: 431, RepeatCount: 1, Rule: "ALLOW-ANY L3 Malware Lab to VPN Network",
		RuleUUID: "586566a8-1fd6-4f49-ba59-7c05ffe8fbf7", FromZone: "L3 - Malware Lab", ToZone: "L3 - GL.iNet VPN Network",
		Src: "192.168.38.11", Dst: "186.47.209.222", SrcUser: "user1@email.com", SrcPort: 50508, DstPort: 80,
		Proto: "tcp", App: "web-browsing", Subtype: "url", ThreatID: 9999, Severity: "informational",
		Direction: "client-to-server", Action: "block-url", URL: "https://3hct.com/docs.microsoft/support"}
	if got[0] != want {
		t.Errorf("export row =\n %+v\nwant\n %+v", got[0], want)
	}
}

func readRealFile(name string) ([]byte, error) { return os.ReadFile("../testdata/real/" + name) }
