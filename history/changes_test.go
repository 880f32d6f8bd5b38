package history

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

func retireChange(at time.Time) *mine.Change {
	return &mine.Change{
		Kind: mine.ChangeRetire, Time: at, Admin: "api-admin", Operator: "alice", Target: "edge", Host: "fw.example.net",
		Device: mine.DeviceReport{Hostname: "fw1", Serial: serialA}, Context: "vsys1", Rules: []string{"Allow-Web-Ports"},
		Verdict: mine.VerdictReady, Criteria: []mine.Criterion{{Name: "catch-all-hits", Result: mine.ResultPass, Evidence: "0 in the latest week"}},
		Summary: "disable Allow-Web-Ports", Status: mine.ChangeCommitted,
		Elements: []mine.ChangedElement{{XPath: "/config/x/entry[@name='Allow-Web-Ports']/disabled", Before: "", After: "<disabled>yes</disabled>"}},
		Diff:     []string{"+<disabled>yes</disabled>"}, RuleBefore: `<entry name="Allow-Web-Ports"><action>allow</action></entry>`,
		Commit: mine.Commit{JobID: 7, Committed: true},
	}
}

// A retirement and its undo round-trip through the history: the record
// comes back as stored, the carried flows with it, the undo marks the
// retirement undone, and only a standing change is found as in force.
func TestChangesRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := retireChange(at)
	flows := []mine.CarriedFlow{
		{CatchAllRule: "Allow-Web-Ports", From: "trust", To: "dmz", Source: "10.1.0.5", Destination: "10.20.5.11", Application: "ssh",
			Protocol: "tcp", Port: 22, Sessions: 12, FirstSeen: at.Add(-48 * time.Hour), LastSeen: at.Add(-time.Hour)},
		{CatchAllRule: "Allow-Web-Ports", Source: "10.66.0.1", Destination: "10.20.5.11", Application: "web-browsing", Protocol: "tcp", Port: 80,
			Sessions: 3, Scanner: true},
	}
	id, err := s.SaveChange(ctx, c, flows)
	if err != nil || id == 0 || c.ID != id {
		t.Fatalf("SaveChange = %d, %v (ID %d)", id, err, c.ID)
	}
	got, err := s.Change(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, *c) {
		t.Errorf("Change(%d) =\n%+v\nwant\n%+v", id, got, *c)
	}
	back, err := s.CarriedFlows(ctx, id)
	if err != nil || !reflect.DeepEqual(back, flows) {
		t.Errorf("CarriedFlows = %+v, %v; want %+v", back, err, flows)
	}
	if st, err := s.Standing(ctx, "fw.example.net", "vsys1", mine.ChangeRetire, "Allow-Web-Ports"); err != nil || st.ID != id {
		t.Errorf("Standing = %d, %v; want %d", st.ID, err, id)
	}
	if _, err := s.Standing(ctx, "fw.example.net", "vsys1", mine.ChangeRetire, "Other"); !errors.Is(err, ErrNoChange) {
		t.Errorf("Standing(other rule) = %v; want ErrNoChange", err)
	}

	undo := &mine.Change{Kind: mine.ChangeUndo, UndoKind: mine.ChangeRetire, Undoes: id, Time: at.Add(time.Hour), Host: "fw.example.net",
		Context: "vsys1", Rules: []string{"Allow-Web-Ports"}, Summary: "re-enable", Status: mine.ChangeCommitted}
	uid, err := s.SaveChange(ctx, undo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Standing(ctx, "fw.example.net", "vsys1", mine.ChangeRetire, "Allow-Web-Ports"); !errors.Is(err, ErrNoChange) {
		t.Errorf("Standing after undo = %v; want ErrNoChange", err)
	}
	all, err := s.Changes(ctx, "fw.example.net")
	if err != nil || len(all) != 2 || all[0].ID != uid || all[1].UndoneBy != uid {
		t.Fatalf("Changes = %+v, %v; want the undo first and the retirement undone by it", all, err)
	}
	if _, err := s.SaveChange(ctx, &mine.Change{Kind: mine.ChangeUndo, Undoes: id, Time: at, Host: "h", Status: mine.ChangeCommitted}, nil); err == nil ||
		!strings.Contains(err.Error(), "already undone") {
		t.Errorf("second undo = %v; want refused", err)
	}
	if _, err := s.SaveChange(ctx, &mine.Change{Kind: mine.ChangeUndo, Undoes: 99, Time: at, Host: "h", Status: mine.ChangeCommitted}, nil); !errors.Is(err, ErrNoChange) {
		t.Errorf("undo of an unknown change = %v; want ErrNoChange", err)
	}
	if _, err := s.SaveChange(ctx, &mine.Change{Kind: mine.ChangeRetire, Host: "h", Status: mine.ChangeCommitted}, nil); err == nil {
		t.Error("change without a time saved; want refused")
	}
	if _, err := s.Change(ctx, 99); !errors.Is(err, ErrNoChange) {
		t.Errorf("Change(99) = %v; want ErrNoChange", err)
	}
}

// A change is written whole or not at all: interrupted after its row,
// neither it nor its flows remain.
func TestSaveChangeAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.hook = func(step string) error {
		if step == "change" {
			return errors.New("power cut")
		}
		return nil
	}
	if _, err := s.SaveChange(context.Background(), retireChange(time.Now()), []mine.CarriedFlow{{CatchAllRule: "x"}}); err == nil {
		t.Fatal("interrupted SaveChange = nil error")
	}
	s.hook = nil
	if all, err := s.Changes(context.Background(), ""); err != nil || len(all) != 0 {
		t.Errorf("after the interruption: %d changes, %v; want none", len(all), err)
	}
	if n, _ := int64s(context.Background(), s.db, "SELECT count(*) FROM carried_flows"); n[0] != 0 {
		t.Errorf("%d carried flows left", n[0])
	}
}
