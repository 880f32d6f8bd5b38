package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// urlReport returns testReport with n catch-all URLs.
func urlReport(n int) *mine.Report {
	r := testReport()
	r.CatchAllURLs = make([]mine.URLStat, n)
	for i := range r.CatchAllURLs {
		r.CatchAllURLs[i] = mine.URLStat{
			URL: fmt.Sprintf("/app/%d/items?id=%d", i%97, i), Status: 200 + 100*(i%4), Destination: "10.1.2.10",
			Application: "web-browsing", Port: 80, Count: int64(i), Sources: i % 13,
			FirstSeen: at(16, 1), LastSeen: at(22, 1),
		}
	}
	return r
}

// BenchmarkWriteWorkbook measures a workbook with a large Catch-all URLs
// sheet, the one that grows with the traffic.
func BenchmarkWriteWorkbook(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		r := urlReport(n)
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

// BenchmarkWriteWorkbookRows writes a 1,000-row sheet (the baseline), a
// 1,000,000-row sheet, and 1,100,000 rows, which continue on a second
// sheet. Besides B/op it reports peak-heap-MB, the most the live heap grew
// while writing (sampled every 2ms): with the stream writer it stays flat
// however many rows there are, while B/op (allocated, then freed) grows
// with them. The input report itself is built before the
// baseline is taken. Run it alone, it takes a while:
//
//	go test ./report -run '^$' -bench WorkbookRows -benchtime 1x
func BenchmarkWriteWorkbookRows(b *testing.B) {
	for _, n := range []int{1000, 1_000_000, 1_100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := urlReport(n)
			path := filepath.Join(b.TempDir(), "big.xlsx")
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				f, err := os.Create(path)
				if err != nil {
					b.Fatal(err)
				}
				grew := peakHeapGrowth(func() {
					if err := WriteWorkbookWith(f, r, Options{Layout: LayoutClassic}); err != nil {
						b.Fatal(err)
					}
				})
				peak = max(peak, grew)
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			if n > maxDataRows {
				b.StopTimer()
				f, err := excelize.OpenFile(path)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				if !slices.Contains(f.GetSheetList(), "Catch-all URLs (2)") {
					b.Errorf("GetSheetList() = %q; want Catch-all URLs to continue on a second sheet", f.GetSheetList())
				}
			}
		})
	}
}

// peakHeapGrowth runs fn and returns how far the live heap (what the
// garbage collector found reachable at the end of each cycle) rose above
// where it started: what fn retains, not the garbage that waits for the
// next cycle.
func peakHeapGrowth(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}
