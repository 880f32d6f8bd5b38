package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/panos-mine/mine"
)

// BenchmarkWriteWorkbook measures a workbook with a large Catch-all URLs
// sheet, the one that grows with the traffic.
func BenchmarkWriteWorkbook(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		r := testReport()
		r.CatchAllURLs = make([]mine.URLStat, n)
		for i := range r.CatchAllURLs {
			r.CatchAllURLs[i] = mine.URLStat{
				URL: fmt.Sprintf("/app/%d/items?id=%d", i%97, i), Status: 200 + 100*(i%4), Destination: "10.1.2.10",
				Application: "web-browsing", Port: 80, Count: int64(i), Sources: i % 13,
				FirstSeen: at(16, 1), LastSeen: at(22, 1),
			}
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := WriteWorkbook(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
