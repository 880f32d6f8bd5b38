// Package report renders a finished analysis, a *mine.Report, for people and
// programs: an Excel workbook that a security team reads weekly and hands to
// app teams, a compact summary for the terminal, and the JSON document.
//
// The package only renders. Every number it writes comes from the
// *mine.Report it is given; it counts, ranks and judges nothing itself (a
// share is at most the quotient of two numbers of the report, and a status
// class total the sum of report counts). Strings in the report come from
// firewall logs and device configuration, so they are untrusted: the
// workbook stores them as text cells, never as formulas, and the terminal
// summary strips control characters before printing them.
//
// report may import the standard library, github.com/xuri/excelize/v2,
// github.com/olekukonko/tablewriter (and its subpackages) and the root package
// github.com/panos-mine/mine. It must not import pango, cobra, the SQLite
// driver or any other package of this module (collect, correlate, history,
// signatures, panosim, cmd/...). It does no I/O beyond the writer or path it
// is handed, except that excelize spills a very large sheet to a temporary
// file, which it removes when the workbook is written.
package report
