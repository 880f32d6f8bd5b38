package history

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// bigSnap is a week of a large rulebase: rules counters on one device.
func bigSnap(n, rules int) *mine.Snapshot {
	snap := weekSnap("edge", n, "Allow-Web-Ports", caCounter(uint64(1000*n)))
	for i := 0; i < rules-1; i++ {
		name := fmt.Sprintf("rule-%05d", i)
		uuid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		snap.Rules = append(snap.Rules, mine.Rule{Name: name, UUID: uuid, Position: len(snap.Rules), Action: "allow"})
		snap.Hits = append(snap.Hits, mine.RuleHits{Rule: name, Vsys: "vsys1", Serial: serialA, HitCount: uint64(i * n),
			FirstHit: longAgo, LastHit: snap.Collected, Created: longAgo, Modified: longAgo})
		snap.Report.HitCounts = append(snap.Report.HitCounts, mine.HitCount{Rule: name, Position: len(snap.Rules), Action: "allow"})
	}
	return snap
}

// BenchmarkSave stores weekly runs of a 5000-rule rulebase (counters and
// deltas against the previous week, in one transaction). The baseline
// inserts the same number of rows of the same width into a bare table in
// one transaction: the floor any schema would pay.
func BenchmarkSave(b *testing.B) {
	const rules = 5000
	ctx := context.Background()
	b.Run(fmt.Sprintf("baseline-bare-inserts/rows=%d", 2*rules), func(b *testing.B) {
		s, err := Open(ctx, b.TempDir()+"/h.db")
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.db.Exec(`CREATE TABLE bare (a INTEGER, b TEXT, c TEXT, d TEXT, e TEXT, f INTEGER, g TEXT, h INTEGER,
			i INTEGER, j TEXT, k TEXT, l TEXT, m TEXT, n TEXT)`); err != nil {
			b.Fatal(err)
		}
		now := ts(time.Now())
		b.ResetTimer()
		for it := 0; it < b.N; it++ {
			tx, err := s.db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			st, err := tx.Prepare(`INSERT INTO bare VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			for r := 0; r < 2*rules; r++ { // a counter row and a delta row per rule
				if _, err := st.Exec(it, serialA, "vsys1", fmt.Sprint(r), "uuid", r, "allow", 1, r*it, now, now, now, now, now); err != nil {
					b.Fatal(err)
				}
			}
			st.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("save/rules=%d", rules), func(b *testing.B) {
		s, err := Open(ctx, b.TempDir()+"/h.db")
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		snaps := make([]*mine.Snapshot, b.N+1)
		for i := range snaps {
			snaps[i] = bigSnap(i+1, rules)
		}
		if _, err := s.Save(ctx, snaps[0]); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 1; i <= b.N; i++ {
			if _, err := s.Save(ctx, snaps[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
