// Package mine is the vocabulary of the mine tool: the domain types that every
// other package speaks (log records, rules, hit counts, windows, devices,
// suggestions and the report document).
//
// It uses the standard library only and does no I/O. It must not import any
// other package of this module, pango, excelize, tablewriter or cobra.
package mine
