package report

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxCellChars is the most characters (UTF-16 code units) an Excel cell
// holds; excelize.TotalCellChars has the same value.
const maxCellChars = 32767

// truncatedMarker ends a string that was cut to fit a cell, so a reader sees
// that the value is incomplete.
const truncatedMarker = "…[truncated]"

// cellText returns s cut to fit an Excel cell, ending with truncatedMarker
// when it was cut. Excel counts UTF-16 code units, so this does too, and it
// never splits a surrogate pair. Invalid UTF-8 bytes count as one unit each,
// as they become U+FFFD in the file.
func cellText(s string) string {
	if len(s) <= maxCellChars { // a byte count bounds the unit count
		return s
	}
	if utf16Len(s) <= maxCellChars {
		return s
	}
	budget := maxCellChars - utf16Len(truncatedMarker)
	n := 0
	for i, r := range s {
		n += utf16RuneLen(r)
		if n > budget {
			return s[:i] + truncatedMarker
		}
	}
	return s
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16RuneLen(r)
	}
	return n
}

func utf16RuneLen(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // utf8.RuneError for an invalid byte, written as U+FFFD
}

// list joins configuration members for one cell or table column.
func list(members []string) string { return strings.Join(members, ", ") }

// ports joins port numbers for one cell or table column.
func ports(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}

// yesNo renders a flag the way a spreadsheet filter shows it best.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// displayWidth approximates the width of the widest line of s, in
// characters; it sizes spreadsheet columns.
func displayWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}
