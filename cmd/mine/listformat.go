package main

import (
	"slices"
	"strings"
)

// listFormats are the --format values of every command that prints a
// list; some commands add their own (suggest: set, xml).
var listFormats = []string{"table", "tsv", "csv", "json"}

// resolveFormat resolves a --format value the same way for every command:
// "auto" (the default) and "" are a table on a terminal and tab-separated
// values when the output is piped; otherwise the value must be one of
// allowed, or the error (a usage error, exit 2) names the value and every
// allowed one.
func resolveFormat(d *deps, flag string, allowed ...string) (string, error) {
	f := strings.ToLower(flag)
	if f == "" || f == "auto" {
		if isTerminal(d.io.out) {
			return "table", nil
		}
		return "tsv", nil
	}
	if slices.Contains(allowed, f) {
		return f, nil
	}
	return "", usagef("--format %q: want %s", flag, orList(append([]string{"auto"}, allowed...)))
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// formatHelp is the help of a --format flag with these values.
func formatHelp(allowed ...string) string {
	return "output: " + orList(allowed) + " (auto: table on a terminal, tsv when piped)"
}
