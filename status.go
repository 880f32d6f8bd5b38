package mine

import (
	"strconv"
	"strings"
)

// StatusFromThreatName returns the HTTP status code carried by one of the
// signature names mine deploys ("HTTP-404", or "HTTP-404(41026)" as syslog
// and the CLI print it), and false for any other threat name.
func StatusFromThreatName(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "HTTP-")
	if !ok {
		return 0, false
	}
	if i := strings.IndexByte(rest, '('); i >= 0 {
		rest = rest[:i]
	}
	if len(rest) != 3 {
		return 0, false
	}
	code, err := strconv.Atoi(rest)
	if err != nil || code < 100 || code > 599 {
		return 0, false
	}
	return code, true
}

// StatusClass returns "1xx" .. "5xx" for an HTTP status code.
func StatusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}
