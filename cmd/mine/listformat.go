package main

import "github.com/panos-mine/mine/report"

// listFormat resolves a list command's --format: "auto" (the default) is a
// table on a terminal and tab-separated values when the output is piped.
func listFormat(d *deps, flag string, extra ...string) (string, error) {
	if flag == "" || flag == "auto" {
		if isTerminal(d.io.out) {
			return string(report.FormatTable), nil
		}
		return string(report.FormatTSV), nil
	}
	for _, e := range extra {
		if flag == e {
			return flag, nil
		}
	}
	f, err := report.ParseFormat(flag)
	if err != nil {
		return "", usageError{err}
	}
	return string(f), nil
}
