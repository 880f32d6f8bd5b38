package history

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/panos-mine/mine"
)

// The queries docs/history.md shows users run against a populated
// database.
func TestDocQueries(t *testing.T) {
	b, err := os.ReadFile("../docs/history.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllSubmatch(b, -1)
	if len(blocks) < 5 {
		t.Fatalf("docs/history.md has %d SQL examples; want at least 5", len(blocks))
	}
	s, _ := openTemp(t)
	for n, hits := range []uint64{1000, 1700, 200} {
		c := caCounter(hits)
		if n == 2 {
			c.reset = mon.Add(2*week + day)
		}
		mustSave(t, s, weekSnap("edge", n+1, "Allow-Web-Ports", c, dnsCounter(uint64(10*n))))
	}
	c := retireChange(mon.Add(3 * week))
	if _, err := s.SaveChange(context.Background(), c, []mine.CarriedFlow{{CatchAllRule: "Allow-Web-Ports", Source: "10.1.0.5",
		Destination: "10.20.5.11", Application: "ssh", Protocol: "tcp", Port: 22, Sessions: 4}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range blocks {
		rows, err := s.db.QueryContext(context.Background(), string(q[1]))
		if err != nil {
			t.Errorf("query from the docs fails: %v\n%s", err, q[1])
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Errorf("query from the docs: %v\n%s", err, q[1])
		}
		rows.Close()
		if n == 0 {
			t.Errorf("query from the docs returns nothing on a populated history:\n%s", q[1])
		}
	}
}
