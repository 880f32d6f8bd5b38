package collect

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// benchLines returns n distinct HTTP status threat lines in BSD syslog
// form, built from the real PAN-OS line of statusLine: sequence numbers,
// sessions, times, clients, ports and URLs vary.
func benchLines(b *testing.B, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	for i := range n {
		l := statusLine(b, map[int]string{
			1:  fmt.Sprintf("2026/03/%02d %02d:%02d:%02d", 1+i%28, i/60%24, i%60, (i*7)%60),
			7:  fmt.Sprintf("10.1.%d.%d", i/250%250, 1+i%250),
			8:  fmt.Sprintf("10.20.0.%d", 1+i%40),
			22: fmt.Sprint(100000 + i),
			24: fmt.Sprint(1024 + i%60000),
			25: []string{"80", "8080", "443"}[i%3],
			31: fmt.Sprintf(`"app%d.example.net/api/v1/items/%d?page=%d"`, i%40, i, i%7),
			32: []string{"HTTP-200(41003)", "HTTP-404(41026)", "HTTP-302(41015)", "HTTP-500(41049)"}[i%4],
			36: fmt.Sprint(7000000 + i),
		})
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// BenchmarkImportSyslog reads 1,000,000 threat lines into mine.ThreatLog
// records (10,000 distinct lines, 100 times over, a fresh importer each
// time so none is a duplicate), and splits the same lines into fields
// with encoding/csv as the baseline. The two alternate pass by pass, so a
// busy machine slows both alike; each reports lines/s, and x-csv is the
// ratio.
func BenchmarkImportSyslog(b *testing.B) {
	const distinct, passes = 10_000, 100
	data := benchLines(b, distinct)
	var mineTime, csvTime time.Duration
	var lines int64
	for b.Loop() {
		for range passes {
			start := time.Now()
			var n int64
			im, err := NewImporter(ImportOptions{MinThreatID: 41000, MaxThreatID: 41059,
				Threat: func(*mine.ThreatLog) error { n++; return nil }})
			if err != nil {
				b.Fatal(err)
			}
			if err := im.Read(context.Background(), "bench", bytes.NewReader(data), int64(len(data))); err != nil {
				b.Fatal(err)
			}
			mineTime += time.Since(start)
			if n != distinct {
				b.Fatalf("%d records; want %d", n, distinct)
			}

			start = time.Now()
			n = 0
			r := csv.NewReader(bytes.NewReader(data))
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
					n++
				}
			}
			csvTime += time.Since(start)
			if n != distinct {
				b.Fatalf("encoding/csv: %d records; want %d", n, distinct)
			}
			lines += distinct
		}
	}
	b.ReportMetric(float64(lines)/mineTime.Seconds(), "mine-lines/s")
	b.ReportMetric(float64(lines)/csvTime.Seconds(), "csv-lines/s")
	b.ReportMetric(csvTime.Seconds()/mineTime.Seconds(), "x-csv")
	b.ReportMetric(0, "ns/op")
}
