package main

import (
	"encoding/csv"
	"strings"
	"testing"
)

// signatures list prints the catalog in every list format; piped (as in
// tests) the default is tab-separated.
func TestSignaturesListFormats(t *testing.T) {
	code, out, errs := runCLI(t, nil, "signatures", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 61 || lines[0] != "ID\tCODE\tNAME\tSTATUS" || lines[27] != "41026\t404\tHTTP-404\tNot Found" {
		t.Errorf("signatures list (piped) = %d, %d lines, %q / %q; %s", code, len(lines), lines[0], lines[27], errs)
	}
	code, out, _ = runCLI(t, nil, "signatures", "list", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 61 || strings.Join(recs[4], ",") != "41003,200,HTTP-200,OK" {
		t.Errorf("signatures list --format csv = %d, %v, %d records", code, err, len(recs))
	}
	code, out, _ = runCLI(t, nil, "signatures", "list", "--format", "table")
	if code != 0 || !strings.Contains(out, "HTTP-511") || strings.Contains(out, "\t") {
		t.Errorf("signatures list --format table = %d:\n%s", code, out)
	}
	if code, _, errs := runCLI(t, nil, "signatures", "list", "--format", "xml"); code != exitUsage || !strings.Contains(errs, "table, tsv, csv or json") {
		t.Errorf("signatures list --format xml = %d, %q; want a usage error naming the formats", code, errs)
	}
}
