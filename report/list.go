package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is how a list command prints its rows.
type Format string

// The formats of --format. A command picks FormatTable on a terminal and
// FormatTSV when its output is piped.
const (
	FormatTable Format = "table"
	FormatTSV   Format = "tsv"
	FormatCSV   Format = "csv"
	FormatJSON  Format = "json"
)

// ParseFormat returns the Format named s. It returns an error naming the
// valid formats for anything else.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatTSV, FormatCSV, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("format %q: want table, tsv, csv or json", s)
}

// WriteList writes a list of rows under header in format, every column
// left-aligned and wrapped in a table: WriteColumns with Columns(header...).
func WriteList(w io.Writer, format Format, header []string, rows [][]string) error {
	return WriteColumns(w, format, Columns(header...), rows)
}

// WriteColumns writes a list of rows under the headers of cols in format:
// a table that fits TerminalWidth columns (the columns with the highest
// Drop left out first, with a note saying which, then the widest cells
// wrapped or cut), tab-separated lines (tabs and newlines in a value
// become spaces), RFC 4180 CSV, or a JSON array of objects keyed by the
// header. Only the table leaves columns out. Values are stripped of
// control characters in the table, as in the summary; CSV and JSON keep
// them, escaped. A CSV value that a spreadsheet would run as a formula (=,
// +, -, @ first) is left as it is: CSV has no text type, so open it with
// the import dialog, not by double-click.
//
// It returns the error of w, or an error for an unknown format or a row
// longer than the columns.
func WriteColumns(w io.Writer, format Format, cols []Column, rows [][]string) error {
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	for i, r := range rows {
		if len(r) > len(header) {
			return fmt.Errorf("write list: row %d has %d values for %d columns", i, len(r), len(header))
		}
	}
	switch format {
	case FormatTable:
		sw := &stickyWriter{w: w}
		clean := make([][]string, len(rows))
		for i, r := range rows {
			clean[i] = make([]string, len(header))
			for j, v := range r {
				clean[i][j] = term(v)
			}
		}
		if dropped := sw.table(cols, clean); len(dropped) > 0 {
			sw.paragraph(fmt.Sprintf("(left out to fit %d columns: %s; --format tsv lists every column)", TerminalWidth, strings.Join(dropped, ", ")), " ")
		}
		if sw.err != nil {
			return fmt.Errorf("write list: %w", sw.err)
		}
		return nil
	case FormatTSV:
		sw := &stickyWriter{w: w}
		line := func(vs []string) {
			out := make([]string, len(header))
			for j, v := range vs {
				out[j] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(v)
			}
			fmt.Fprintln(sw, strings.Join(out, "\t"))
		}
		line(header)
		for _, r := range rows {
			line(r)
		}
		if sw.err != nil {
			return fmt.Errorf("write list: %w", sw.err)
		}
		return nil
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return fmt.Errorf("write list: %w", err)
		}
		for _, r := range rows {
			out := make([]string, len(header))
			copy(out, r)
			if err := cw.Write(out); err != nil {
				return fmt.Errorf("write list: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write list: %w", err)
		}
		return nil
	case FormatJSON:
		objs := make([]map[string]string, len(rows))
		for i, r := range rows {
			objs[i] = make(map[string]string, len(header))
			for j, h := range header {
				if j < len(r) {
					objs[i][h] = r[j]
				} else {
					objs[i][h] = ""
				}
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(objs); err != nil {
			return fmt.Errorf("write list: %w", err)
		}
		return nil
	}
	return fmt.Errorf("write list: unknown format %q", format)
}
