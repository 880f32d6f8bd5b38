package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// decodeJSON renders r with WriteJSON and decodes it generically, as a
// consumer that knows only the documented keys would.
func decodeJSON(t *testing.T, r *mine.Report) (map[string]any, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatalf("WriteJSON() = %v; want nil", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("json.Unmarshal(WriteJSON()) = %v", err)
	}
	return doc, buf.String()
}

func TestWriteJSONKeys(t *testing.T) {
	doc, raw := decodeJSON(t, testReport())

	if got, ok := doc["catch_all"].([]any); !ok || len(got) != 1 || got[0] != "legacy-allow-tcp-any" {
		t.Errorf("catch_all = %v; want [legacy-allow-tcp-any]", doc["catch_all"])
	}
	window, _ := doc["window"].(map[string]any)
	for key, want := range map[string]time.Time{"from": at(16, 6), "to": at(23, 6)} {
		s, _ := window[key].(string)
		got, err := time.Parse(time.RFC3339, s)
		if err != nil || !got.Equal(want) {
			t.Errorf("window.%s = %q; want RFC 3339 %s", key, s, want.Format(time.RFC3339))
		}
	}
	counts, _ := doc["status_counts"].(map[string]any)
	for code, want := range map[string]float64{"200": 240000, "301": 5000, "404": 4000, "503": 1000} {
		if got := counts[code]; got != want {
			t.Errorf("status_counts[%s] = %v; want %v", code, got, want)
		}
	}

	suggestions, _ := doc["suggestions"].([]any)
	if len(suggestions) != 2 {
		t.Fatalf("len(suggestions) = %d; want 2", len(suggestions))
	}
	first, _ := suggestions[0].(map[string]any)
	for _, key := range []string{"name", "from", "to", "source", "destination", "application",
		"service", "ports", "sessions", "urls", "first_seen", "last_seen"} {
		if _, ok := first[key]; !ok {
			t.Errorf("suggestions[0] has no key %q", key)
		}
	}
	suggestionTests := []struct {
		key  string
		want any
	}{
		{"name", "allow-intranet-web"},
		{"sessions", 5000.0},
		{"urls", 3.0},
		{"first_seen", at(16, 7).In(pst).Format(time.RFC3339Nano)},
	}
	for _, tc := range suggestionTests {
		if got := first[tc.key]; got != tc.want {
			t.Errorf("suggestions[0].%s = %v; want %v", tc.key, got, tc.want)
		}
	}
	if got, _ := first["ports"].([]any); len(got) != 2 || got[0] != 80.0 || got[1] != 443.0 {
		t.Errorf("suggestions[0].ports = %v; want [80 443]", first["ports"])
	}

	hits, _ := doc["hit_counts"].([]any)
	if len(hits) != 3 {
		t.Fatalf("len(hit_counts) = %d; want 3", len(hits))
	}
	for i, h := range hits {
		m, _ := h.(map[string]any)
		for _, key := range []string{"rule", "hit_count", "first_hit", "last_hit"} {
			if _, ok := m[key]; !ok {
				t.Errorf("hit_counts[%d] has no key %q", i, key)
			}
		}
	}
	never, _ := hits[1].(map[string]any)
	if never["first_hit"] != nil || never["last_hit"] != nil {
		t.Errorf("hit_counts[1] first_hit, last_hit = %v, %v; want null, null", never["first_hit"], never["last_hit"])
	}
	if got := hits[0].(map[string]any)["hit_count"]; got != 18446744073709.0 {
		t.Errorf("hit_counts[0].hit_count = %v; want 18446744073709", got)
	}

	if !strings.Contains(raw, `"url": "=HYPERLINK(\"http://x\",\"y\")"`) {
		t.Errorf("WriteJSON() does not hold the URL unescaped for HTML; got:\n%.2000s", raw)
	}
	if !strings.HasPrefix(raw, "{\n  \"") {
		t.Errorf("WriteJSON() = %.40q...; want indented JSON", raw)
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	doc, _ := decodeJSON(t, &mine.Report{Suggestions: []mine.Suggestion{{Name: "bare"}}})
	for _, key := range []string{"catch_all", "suggestions", "catch_all_urls", "scanners", "hit_counts",
		"catch_all_daily", "catch_all_weeks", "catch_all_destinations"} {
		if _, ok := doc[key].([]any); !ok {
			t.Errorf("%s = %#v; want a JSON array", key, doc[key])
		}
	}
	for _, key := range []string{"status_counts", "catch_all_status_counts"} {
		if _, ok := doc[key].(map[string]any); !ok {
			t.Errorf("%s = %#v; want a JSON object", key, doc[key])
		}
	}
	// null: the run checked no signature configuration
	if v, ok := doc["signature_checks"]; !ok || v != nil {
		t.Errorf("signature_checks = %#v; want null", v)
	}
	if v := doc["mine_report_version"]; v != float64(1) {
		t.Errorf("mine_report_version = %#v; want 1", v)
	}
	bare := doc["suggestions"].([]any)[0].(map[string]any)
	for _, key := range []string{"from", "to", "source", "destination", "application", "service", "ports", "top_urls"} {
		if _, ok := bare[key].([]any); !ok {
			t.Errorf("suggestions[0].%s = %#v; want a JSON array", key, bare[key])
		}
	}
}

func TestWriteJSONDoesNotModify(t *testing.T) {
	r := &mine.Report{Suggestions: []mine.Suggestion{{Name: "bare"}}}
	if _, _ = decodeJSON(t, r); r.CatchAll != nil || r.Suggestions[0].From != nil || r.StatusCounts != nil {
		t.Errorf("WriteJSON(r) changed r to %+v; want it untouched", r)
	}
}

func TestWriteJSONNil(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, nil); err == nil {
		t.Errorf("WriteJSON(nil) = nil; want an error")
	}
}

// ReadJSON reads back what WriteJSON wrote, and refuses anything else with
// an error that says what is wrong.
func TestReadJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, testReport()); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	r, err := ReadJSON(buf.Bytes())
	if err != nil {
		t.Fatalf("ReadJSON(WriteJSON(testReport)) = %v", err)
	}
	if r.Version != mine.ReportVersion || r.Device.Hostname != "fw-edge-01" || len(r.Suggestions) != 2 || r.Coverage.Depends != 200 {
		t.Errorf("ReadJSON() = version %d, %q, %d suggestions, depends %d; want the report written", r.Version, r.Device.Hostname, len(r.Suggestions), r.Coverage.Depends)
	}
	legacy := strings.Replace(doc, `"mine_report_version": 1,`, "", 1)
	if legacy == doc {
		t.Fatalf("WriteJSON() has no mine_report_version 1:\n%.200s", doc)
	}
	tests := []struct {
		name string
		doc  string
		want string // "" for no error
	}{
		{"a report of a mine without the version", legacy, ""},
		{"any JSON object", `{"foo":1}`, "not a mine report: no mine_report_version key, and it lacks the keys generated, device, window, catch_all, totals, status_counts, suggestions, readiness"},
		{"a list", `[1, 2]`, "not a mine report: the document is a JSON array, not an object"},
		{"null", `null`, "not a mine report: the document is null"},
		{"not JSON", "{\n  \"generated\": nope\n}", "not JSON: invalid character 'o' in literal null (expecting 'u') at line 2, column 17"},
		{"a newer mine", strings.Replace(doc, `"mine_report_version": 1`, `"mine_report_version": 2`, 1), "written by a newer mine (mine_report_version 2; this mine reads up to 1)"},
		{"a bad version", strings.Replace(doc, `"mine_report_version": 1`, `"mine_report_version": "one"`, 1), `mine_report_version "one": want a whole number from 1`},
		{"version but keys missing", `{"mine_report_version": 1, "generated": "2026-11-23T06:30:15Z"}`, "not a mine report: it lacks the keys device, window"},
		{"a key of the wrong kind", strings.Replace(doc, `"catch_all": [`, `"catch_all": 7, "x": [`, 1), "key catch_all: a JSON number where the report has a list"},
		{"a time that is not one", strings.Replace(doc, `"generated": "2026-11-23T06:30:15Z"`, `"generated": "Monday"`, 1), `a time that is not RFC 3339: "Monday"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSON([]byte(tc.doc))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("ReadJSON() = %v; want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("ReadJSON() = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}
