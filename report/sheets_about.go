package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Sheet names after the first five, in workbook order.
const (
	sheetCoverage       = "Coverage"
	sheetHandoff        = "App Team Handoff"
	sheetScanners       = "Scanners"
	sheetScannerTargets = "Scanner Targets"
	sheetURLTemplates   = "URL Templates"
	sheetReadiness      = "Readiness"
	sheetCustomApps     = "Custom App-ID Candidates"
	sheetAbout          = "About"
)

// aboutSheet says where the report comes from and how to read each sheet.
// sheets are the workbook's sheet names with their descriptions.
func aboutSheet(r *mine.Report, sheets []sheetLink) *dataSheet {
	type kv struct {
		k string
		v any
	}
	d := r.Device
	rows := []kv{
		{"Device", d.Hostname},
		{"Serial", d.Serial},
		{"Model", d.Model},
		{"PAN-OS", d.SWVersion},
		{"Panorama", yesNo(d.Panorama)},
		{"Time zone of the device", d.TimeZone},
		{"Window from (UTC)", r.Window.From},
		{"Window to (UTC)", r.Window.To},
		{"Generated (UTC)", r.Generated},
		{"Catch-all rules", list(r.CatchAll)},
		{"Why this catch-all", r.CatchAllReason},
		{"Policy checked with the device", policyChecks(r.PolicyChecks)},
		{"Policy references not resolved", lines(r.PolicyWarnings)},
		{"Signatures verified in this run", signatureChecks(r.SignatureChecks)},
		{"Signatures logging (from the logs)", signaturesLogging(r.Readiness)},
		{"Times", "all dates are UTC; the device's own time zone is above"},
		{"Log values", "URLs, hosts and names come from firewall logs: they are stored as text, never as formulas; a value longer than a cell holds ends with " + truncatedMarker},
	}
	if im := r.Import; im != nil {
		rows = append(rows,
			kv{"Imported from", fmt.Sprintf("%d files, %d lines (exported logs, not the device)", im.Files, im.Lines)},
			kv{"Imported records", fmt.Sprintf("%d threat, %d traffic, %d duplicates dropped", im.Threat, im.Traffic, im.Duplicates)},
			kv{"Lines skipped", reasons(im.Skipped)},
			kv{"Lines unreadable", reasons(im.Bad)},
			kv{"Log times", im.TimeZone})
	}
	for _, l := range collectionLines(r.Collection) {
		rows = append(rows, kv{"Collection: " + l[0], l[1]})
	}
	for _, c := range changeAboutRows(r.Changes) {
		rows = append(rows, kv{c[0], c[1]})
	}
	for _, s := range sheets {
		rows = append(rows, kv{"Sheet: " + s.sheet, s.about})
	}
	return &dataSheet{
		name:  sheetAbout,
		table: "About",
		cols:  []column{{"Item", kindText}, {"Value", kindLines}},
		n:     len(rows),
		row: func(i int) []any {
			v := rows[i].v
			if t, ok := v.(time.Time); ok && t.IsZero() {
				v = nil
			}
			return []any{rows[i].k, v}
		},
		statusCol: -1,
	}
}

// signatureChecks says what the run verified of the signatures'
// configuration.
func signatureChecks(cs []mine.SignatureCheck) string {
	if len(cs) == 0 {
		return "not checked in this run: mine signatures verify checks that the catch-all logs them"
	}
	lines := make([]string, len(cs))
	for i, c := range cs {
		switch {
		case c.Logs && c.Profile != "":
			lines[i] = fmt.Sprintf("%s logs them, through vulnerability profile %s", c.Rule, c.Profile)
		case c.Logs:
			lines[i] = c.Rule + " logs them"
		default:
			lines[i] = c.Rule + " does not log them: " + strings.Join(c.Problems, "; ")
		}
	}
	return strings.Join(lines, "\n")
}

// signaturesLogging quotes the readiness criterion that judges, from the
// threat logs, whether the signatures log.
func signaturesLogging(rs []mine.Readiness) string {
	var lines []string
	for _, r := range rs {
		for _, c := range r.Criteria {
			if c.Name == "signatures-logging" {
				lines = append(lines, fmt.Sprintf("%s: %s, %s", r.Rule, c.Result, c.Evidence))
			}
		}
	}
	if len(lines) == 0 {
		return "no readiness verdict in this report"
	}
	return strings.Join(lines, "\n")
}

// policyChecks says how mine's policy model fared against the device's
// own evaluation.
func policyChecks(pc *mine.PolicyChecks) string {
	if pc == nil {
		return "not checked (a saved configuration, Panorama without --device, or --verify-flows 0)"
	}
	out := fmt.Sprintf("%d flows asked with test security-policy-match: %d agreed, %d settled by the device, %d disagreed (the device was trusted)",
		pc.Checked, pc.Agreed, pc.Resolved, len(pc.Disagreements))
	for i, d := range pc.Disagreements {
		if i == 5 {
			out += fmt.Sprintf("\n... and %d more", len(pc.Disagreements)-5)
			break
		}
		out += fmt.Sprintf("\n%s -> %s %s/%d %s: mine %s, device %s", d.Source, d.Destination, d.Protocol, d.Port, d.Application, d.Mine, d.Device)
	}
	return out
}

// lines joins values one per line, "none" for none.
func lines(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, "\n")
}
