package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteList(t *testing.T) {
	header := []string{"Rule", "Hits"}
	rows := [][]string{{"allow-web", "12"}, {"evil\ttab\x1b[2J", "3"}, {"short"}}
	tests := []struct {
		format Format
		want   string
	}{
		{FormatTSV, "Rule\tHits\nallow-web\t12\nevil tab\x1b[2J\t3\nshort\t\n"},
		{FormatCSV, "Rule,Hits\nallow-web,12\nevil\ttab\x1b[2J,3\nshort,\n"},
		{FormatJSON, "[\n  {\n    \"Hits\": \"12\",\n    \"Rule\": \"allow-web\"\n  },\n  {\n    \"Hits\": \"3\",\n    \"Rule\": \"evil\\ttab\\u001b[2J\"\n  },\n  {\n    \"Hits\": \"\",\n    \"Rule\": \"short\"\n  }\n]\n"},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := WriteList(&buf, tc.format, header, rows); err != nil || buf.String() != tc.want {
			t.Errorf("WriteList(%s) = %q, %v; want %q", tc.format, buf.String(), err, tc.want)
		}
	}
	var buf bytes.Buffer
	if err := WriteList(&buf, FormatTable, header, rows); err != nil {
		t.Fatalf("WriteList(table) = %v", err)
	}
	if out := buf.String(); !strings.Contains(out, "allow-web") || strings.ContainsRune(out, '\x1b') {
		t.Errorf("WriteList(table) = %q; want the rows without control characters", out)
	}
	if err := WriteList(&buf, FormatTSV, header, [][]string{{"a", "b", "c"}}); err == nil {
		t.Errorf("WriteList(row too long) = nil; want an error")
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "TSV", "csv", "json"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q) = %v; want nil", s, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Errorf("ParseFormat(xml) = nil; want an error")
	}
}
