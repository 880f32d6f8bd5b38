// Package report renders a finished analysis, a *mine.Report, for people and
// programs: an Excel workbook that a security team reads weekly and hands to
// app teams, a compact summary for the terminal, and the JSON document.
//
// A workbook comes in three layouts (Layout): the classic five sheets, the
// full workbook (every sheet, with the history's trend and weekly hits when
// Options carry them), and the handoff workbook of one app team. Every data
// sheet is an Excel table with filters and a frozen header, written through
// excelize's stream writer so memory stays flat; a sheet with more rows than
// Excel allows continues on "Name (2)". Which items belong to which team is
// decided by the caller (cmd/mine), which hands in one report per team.
//
// The Summary is a dashboard: a banner per readiness verdict in words with
// its main reasons and the next command, the key figures with units, and
// charts in their own rows (CheckCharts reads them back and finds text
// under one). Terminal tables fit TerminalWidth columns (WriteColumns).
// ReadJSON reads back the document WriteJSON writes, and refuses any other.
//
// The package only renders. Every number it writes comes from the
// *mine.Report it is given; it counts, ranks and judges nothing itself (a
// share is at most the quotient of two numbers of the report, and a total
// the sum of report counts: a status class, the residual of scanners). The
// words of a verdict's banner follow from the criteria that did not pass. Strings in the report come from
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
