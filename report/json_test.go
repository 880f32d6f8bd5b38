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
	for _, key := range []string{"catch_all", "suggestions", "catch_all_urls", "scanners", "hit_counts"} {
		if _, ok := doc[key].([]any); !ok {
			t.Errorf("%s = %#v; want a JSON array", key, doc[key])
		}
	}
	for _, key := range []string{"status_counts", "catch_all_status_counts"} {
		if _, ok := doc[key].(map[string]any); !ok {
			t.Errorf("%s = %#v; want a JSON object", key, doc[key])
		}
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
