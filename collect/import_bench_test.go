package collect

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// benchLines81 returns n distinct HTTP status threat lines in BSD syslog
// form, built from the real PAN-OS 8.1 line of template: sequence
// numbers, sessions, times, clients, ports and URLs vary. All are status
// hits.
func benchLines81(b *testing.B, n int) (data []byte, hits int) {
	b.Helper()
	h, tmpl := template(b)
	tmpl[32] = "HTTP-200(41003)"
	f := slices.Clone(tmpl)
	var buf bytes.Buffer
	for i := range n {
		copy(f, tmpl)
		f[1] = fmt.Sprintf("2026/03/%02d %02d:%02d:%02d", 1+i%28, i/60%24, i%60, (i*7)%60)
		f[7] = fmt.Sprintf("10.1.%d.%d", i/250%250, 1+i%250)
		f[8] = fmt.Sprintf("10.20.0.%d", 1+i%40)
		f[22] = fmt.Sprint(100000 + i)
		f[24] = fmt.Sprint(1024 + i%60000)
		f[25] = []string{"80", "8080", "443"}[i%3]
		f[31] = fmt.Sprintf(`"app%d.example.net/api/v1/items/%d?page=%d"`, i%40, i, i%7)
		f[32] = []string{"HTTP-200(41003)", "HTTP-404(41026)", "HTTP-302(41015)", "HTTP-500(41049)"}[i%4]
		f[36] = fmt.Sprint(7000000 + i)
		buf.WriteString(h)
		buf.WriteString(strings.Join(f, ","))
		buf.WriteByte('\n')
	}
	return buf.Bytes(), n
}

// benchLines10 returns n distinct threat lines as PAN-OS 10.0 forwards
// them: the real 10.0 line 23 of layer3-pan-os-syslog.log (120 fields,
// quoted URL category list and application characteristics, a
// high_res_timestamp at field 107), behind a BSD header. Nine in ten are
// HTTP status signature hits (vulnerability, alert, server-to-client, a
// quoted URL); one in twenty is a URL filtering log and one in twenty a
// vulnerability of another signature, both skipped, as an unfiltered
// forwarder would send them. Times (in order), sessions, sequence
// numbers, clients, servers, ports and URLs vary; the offset follows the
// receive time.
func benchLines10(b *testing.B, n int) (data []byte, hits int) {
	b.Helper()
	raw, err := readRealFile("syslog/layer3-pan-os-syslog.log")
	if err != nil {
		b.Fatal(err)
	}
	line := string(bytes.Split(raw, []byte("\n"))[22])
	at := strings.Index(line, "1,2022/")
	var c csvFields
	if err := c.split([]byte(line[at:])); err != nil || c.n != 120 {
		b.Fatalf("template: %d fields, %v", c.n, err)
	}
	tmpl := make([]string, c.n)
	for i := range tmpl {
		tmpl[i] = string(c.field(i))
	}
	var buf bytes.Buffer
	f := slices.Clone(tmpl)
	for i := range n {
		copy(f, tmpl)
		// in time order, as a syslog file is: n lines over 28 days
		at := i * (28 * 86400) / n
		day, sec := 1+at/86400, at%86400
		wall := fmt.Sprintf("2026/03/%02d %02d:%02d:%02d", day, sec/3600, sec/60%60, sec%60)
		f[1], f[6], f[21] = wall, wall, wall
		f[107] = fmt.Sprintf("2026-03-%02dT%02d:%02d:%02d.%03d-04:00", day, sec/3600, sec/60%60, sec%60, i%1000)
		f[7] = fmt.Sprintf("10.1.%d.%d", i/250%250, 1+i%250)
		f[8] = fmt.Sprintf("10.20.0.%d", 1+i%40)
		f[22] = fmt.Sprint(100000 + i)
		f[24] = fmt.Sprint(1024 + i%60000)
		f[25], f[27] = []string{"80", "8080", "443"}[i%3], f[25]
		f[36] = fmt.Sprint(7000000 + i)
		f[11], f[14] = "catch-all-tcp", "web-browsing"
		f[31] = fmt.Sprintf("app%d.example.net/api/v1/items/%d?page=%d", i%40, i, i%7)
		switch {
		case i%20 == 7: // a URL filtering log, as the template
			f[4], f[30], f[32] = "url", "alert", "(9999)"
		case i%20 == 13: // another vulnerability signature
			f[4], f[30], f[32], f[33], f[34] = "vulnerability", "reset-both", "Apache Log4j Remote Code Execution Vulnerability(91991)", "code-execution", "critical"
		default:
			f[4], f[30], f[33], f[34], f[35] = "vulnerability", "alert", "info-leak", "informational", "server-to-client"
			f[32] = []string{"HTTP-200(41003)", "HTTP-404(41026)", "HTTP-302(41015)", "HTTP-500(41049)"}[i%4]
			hits++
		}
		// PAN-OS quotes the misc field whatever it holds
		fmt.Fprintf(&buf, "<14>Mar %2d %s fw-edge-01 %s,\"%s\",%s\n", day, wall[11:], encodeCSV(f[:31]), f[31], encodeCSV(f[32:]))
	}
	return buf.Bytes(), hits
}

// benchSets are the sets of lines the import benchmarks read: n distinct
// lines and how many of them are status hits.
var benchSets = []struct {
	name  string
	lines func(*testing.B, int) ([]byte, int)
}{
	{"panos10-mix", benchLines10},
	{"panos81-hits", benchLines81},
}

// BenchmarkImportSyslog reads 1,000,000 distinct threat lines into
// mine.ThreatLog records with one importer, as ten inputs of 100,000
// lines (a week of logs in ten files), and reads the same lines into
// records of fields with encoding/csv as the baseline (ReuseRecord,
// LazyQuotes, any field count: as fast as it goes on PAN-OS quoting).
// The two alternate input by input, so a busy machine slows both alike;
// each reports lines/s and its own allocations per line, and x-csv is
// the ratio of the rates.
func BenchmarkImportSyslog(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set.name, func(b *testing.B) {
			const lines, inputs = 1_000_000, 10
			data, hits := set.lines(b, lines)
			parts := splitLines(data, inputs)
			var mineTime, csvTime time.Duration
			var read int64
			var mineAllocs, csvAllocs, mineBytes, csvBytes uint64
			var ms runtime.MemStats
			for b.Loop() {
				var n int
				im, err := NewImporter(ImportOptions{MinThreatID: 41000, MaxThreatID: 41059,
					Threat: func(*mine.ThreatLog) error { n++; return nil }})
				if err != nil {
					b.Fatal(err)
				}
				for i, part := range parts {
					runtime.ReadMemStats(&ms)
					a0, b0 := ms.Mallocs, ms.TotalAlloc
					start := time.Now()
					if err := im.Read(context.Background(), fmt.Sprint("bench-", i), bytes.NewReader(part), int64(len(part))); err != nil {
						b.Fatal(err)
					}
					mineTime += time.Since(start)
					runtime.ReadMemStats(&ms)
					mineAllocs += ms.Mallocs - a0
					mineBytes += ms.TotalAlloc - b0

					a0, b0 = ms.Mallocs, ms.TotalAlloc
					start = time.Now()
					rows := 0
					r := csv.NewReader(bytes.NewReader(part))
					r.ReuseRecord, r.FieldsPerRecord, r.LazyQuotes = true, -1, true
					for {
						rec, err := r.Read()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						if len(rec) > 36 {
							rows++
						}
					}
					csvTime += time.Since(start)
					runtime.ReadMemStats(&ms)
					csvAllocs += ms.Mallocs - a0
					csvBytes += ms.TotalAlloc - b0
					if want := bytes.Count(part, []byte("\n")); rows != want {
						b.Fatalf("encoding/csv: %d records of input %d; want %d", rows, i, want)
					}
				}
				if s := im.Stats(); n != hits || s.Lines != lines || s.Duplicates != 0 {
					b.Fatalf("%d records of %d lines, %d duplicates; want %d of %d, none", n, s.Lines, s.Duplicates, hits, lines)
				}
				read += lines
			}
			b.ReportMetric(float64(read)/mineTime.Seconds(), "mine-lines/s")
			b.ReportMetric(float64(read)/csvTime.Seconds(), "csv-lines/s")
			b.ReportMetric(csvTime.Seconds()/mineTime.Seconds(), "x-csv")
			b.ReportMetric(float64(mineAllocs)/float64(read), "mine-allocs/line")
			b.ReportMetric(float64(mineBytes)/float64(read), "mine-B/line")
			b.ReportMetric(float64(csvAllocs)/float64(read), "csv-allocs/line")
			b.ReportMetric(float64(csvBytes)/float64(read), "csv-B/line")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// splitLines cuts data into n parts of whole lines, as near equal as the
// lines allow.
func splitLines(data []byte, n int) [][]byte {
	var parts [][]byte
	for k := n; k > 0; k-- {
		at := len(data) / k
		if k > 1 {
			at += bytes.IndexByte(data[at:], '\n') + 1
		} else {
			at = len(data)
		}
		parts = append(parts, data[:at])
		data = data[at:]
	}
	return parts
}

// BenchmarkParseLines parses 20,000 distinct lines of each set on one
// goroutine (lineParser.parse, as each import worker does, the lines cut
// from one buffer as the framer cuts them), and reads the same bytes with
// encoding/csv as the baseline, the two in turn. It reports ns/line for
// each and x-csv, their ratio: the parse alone, without the framer, the
// consumer and the second core of BenchmarkImportSyslog.
func BenchmarkParseLines(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set.name, func(b *testing.B) {
			data, hits := set.lines(b, 20_000)
			var lines [][]byte
			for off := 0; off < len(data); {
				i := bytes.IndexByte(data[off:], '\n')
				lines = append(lines, data[off:off+i+1])
				off += i + 1
			}
			o := ImportOptions{MinThreatID: 41000, MaxThreatID: 41059}
			p := newLineParser(&o)
			var res lineResult
			var mineTime, csvTime time.Duration
			n := 0
			for b.Loop() {
				start := time.Now()
				kept := 0
				for _, l := range lines {
					p.parse(l, nil, &res)
					switch res.kind {
					case kindBad:
						b.Fatalf("%s: %s", res.reason, res.detail)
					case kindThreat:
						kept++
					}
				}
				mineTime += time.Since(start)
				if kept != hits {
					b.Fatalf("%d threat records; want %d", kept, hits)
				}
				start = time.Now()
				r := csv.NewReader(bytes.NewReader(data))
				r.ReuseRecord, r.FieldsPerRecord, r.LazyQuotes = true, -1, true
				rows := 0
				for {
					if _, err := r.Read(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					rows++
				}
				csvTime += time.Since(start)
				if rows != len(lines) {
					b.Fatalf("encoding/csv: %d records; want %d", rows, len(lines))
				}
				n += len(lines)
			}
			b.ReportMetric(float64(mineTime.Nanoseconds())/float64(n), "mine-ns/line")
			b.ReportMetric(float64(csvTime.Nanoseconds())/float64(n), "csv-ns/line")
			b.ReportMetric(csvTime.Seconds()/mineTime.Seconds(), "x-csv")
			b.ReportMetric(0, "ns/op")
		})
	}
}
