package history

import (
	"reflect"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

var (
	day   = 24 * time.Hour
	week  = 7 * day
	mon   = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC) // a Monday
	prevT = mon                                           // previous snapshot
	curT  = mon.Add(week)                                 // this snapshot
	win   = mine.Window{From: mon, To: mon.Add(week)}
)

// Deltas worked out by hand from the counters a device would report.
func TestDelta(t *testing.T) {
	old := mon.Add(-300 * day) // long before the window
	tests := []struct {
		name string
		prev *counter
		cur  counter
		want mine.HitDelta
	}{
		{
			name: "counter grew",
			prev: &counter{hits: 1000, first: old, created: old},
			cur:  counter{hits: 1450, first: old, created: old},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaCounted, Hits: 450},
		},
		{
			name: "counter unchanged",
			prev: &counter{hits: 7, first: old},
			cur:  counter{hits: 7, first: old},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaCounted, Hits: 0},
		},
		{
			name: "counter went down: reset, gap up to the first hit after it",
			prev: &counter{hits: 1000, first: old, created: old},
			cur:  counter{hits: 40, first: mon.Add(3 * day), created: old},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaReset, Hits: 40,
				Gap: &mine.Window{From: prevT, To: mon.Add(3 * day)}, Reason: "counter went down"},
		},
		{
			name: "last reset moved though the counter grew: gap up to the reset",
			prev: &counter{hits: 100, first: old, reset: old},
			cur:  counter{hits: 900, first: mon.Add(2*day + time.Hour), reset: mon.Add(2 * day)},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaReset, Hits: 900,
				Gap: &mine.Window{From: prevT, To: mon.Add(2 * day)}, Reason: "last-reset-timestamp moved"},
		},
		{
			name: "first hit moved (a rename that wiped the counter)",
			prev: &counter{hits: 100, first: old},
			cur:  counter{hits: 150, first: mon.Add(day)},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaReset, Hits: 150,
				Gap: &mine.Window{From: prevT, To: mon.Add(day)}, Reason: "first-hit-timestamp moved"},
		},
		{
			name: "counter went down, no time to place the reset: the whole period is a gap",
			prev: &counter{hits: 100},
			cur:  counter{hits: 5},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaReset, Hits: 5,
				Gap: &mine.Window{From: prevT, To: curT}, Reason: "counter went down"},
		},
		{
			name: "first hit of a rule that had none",
			prev: &counter{hits: 0},
			cur:  counter{hits: 12, first: mon.Add(day)},
			want: mine.HitDelta{Since: prevT, Until: curT, Kind: mine.DeltaCounted, Hits: 12},
		},
		{
			name: "no previous snapshot, old counter: unknown",
			cur:  counter{hits: 5000, first: old, created: old},
			want: mine.HitDelta{Until: curT, Kind: mine.DeltaBaseline},
		},
		{
			name: "no previous snapshot, first hit inside the window",
			cur:  counter{hits: 321, first: mon.Add(time.Hour), created: old},
			want: mine.HitDelta{Until: curT, Kind: mine.DeltaFresh, Hits: 321},
		},
		{
			name: "no previous snapshot, rule created inside the window",
			cur:  counter{hits: 9, first: mon.Add(-time.Hour), created: mon.Add(4 * day)},
			want: mine.HitDelta{Until: curT, Kind: mine.DeltaFresh, Hits: 9},
		},
		{
			name: "no previous snapshot, reset inside the window",
			cur:  counter{hits: 77, first: old, reset: mon.Add(day), created: old},
			want: mine.HitDelta{Until: curT, Kind: mine.DeltaFresh, Hits: 77},
		},
		{
			name: "no previous snapshot, never hit",
			cur:  counter{hits: 0, created: old},
			want: mine.HitDelta{Until: curT, Kind: mine.DeltaFresh, Hits: 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			since := time.Time{}
			if tc.prev != nil {
				since = prevT
			}
			got := delta(tc.prev, since, tc.cur, curT, win)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("delta(%+v, %+v) =\n  %+v\nwant\n  %+v", tc.prev, tc.cur, got, tc.want)
			}
		})
	}
}

// On a device without rule UUIDs a renamed rule is followed by its
// creation time, when that is unambiguous.
func TestFollowRenames(t *testing.T) {
	c1 := mon.Add(-90 * day)
	c2 := mon.Add(-80 * day)
	prev := []counter{
		{key: "name:Web-Old", rule: "Web-Old", created: c1},
		{key: "name:A", rule: "A", created: c2},
		{key: "name:B", rule: "B", created: c2},
		{key: "uuid-1", uuid: "uuid-1", rule: "U", created: c1},
	}
	cur := []counter{
		{key: "name:Web-New", rule: "Web-New", created: c1}, // renamed
		{key: "name:C", rule: "C", created: c2},             // A renamed to C or to D: ambiguous
		{key: "name:D", rule: "D", created: c2},
		{key: "name:B", rule: "B", created: c2},
		{key: "uuid-1", uuid: "uuid-1", rule: "U2", created: c1}, // followed by its UUID anyway
	}
	followRenames(prev, cur)
	var got []string
	for _, c := range cur {
		got = append(got, c.key)
	}
	want := []string{"name:Web-Old", "name:C", "name:D", "name:B", "uuid-1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys after followRenames = %q; want %q", got, want)
	}
}
