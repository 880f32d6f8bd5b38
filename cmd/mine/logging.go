package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"unicode"
)

// Log formats of --log-format.
const (
	logAuto  = "auto"  // human on a terminal, text otherwise
	logHuman = "human" // level and message, then the attributes; no time
	logText  = "text"  // slog's key=value lines, with time=
	logJSON  = "json"  // one JSON object a line
)

// newLogger returns the logger of --log-format at level, writing to w.
// isTerm says whether w is a terminal, for auto.
func newLogger(w io.Writer, format string, level slog.Level, isTerm bool) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case logAuto, "":
		if isTerm {
			return slog.New(newHumanHandler(w, level)), nil
		}
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case logHuman:
		return slog.New(newHumanHandler(w, level)), nil
	case logText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case logJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format %q: want one of %s", format, strings.Join([]string{logAuto, logHuman, logText, logJSON}, ", "))
}

// humanHandler writes a log record as a person reads it on a terminal:
//
//	info: threat logs collected (entries 25054, jobs 29, took 1.17s)
//	warning: TLS certificate verification is off (--insecure-skip-verify)
//
// without a time (the terminal is watched as it happens) and with control
// characters of values, which come from devices, replaced.
type humanHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	level slog.Level
	attrs []slog.Attr // from WithAttrs, with their group prefix
	group string      // from WithGroup, "a.b."
}

func newHumanHandler(w io.Writer, level slog.Level) *humanHandler {
	return &humanHandler{mu: &sync.Mutex{}, w: w, level: level}
}

func (h *humanHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *humanHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(levelWord(r.Level))
	b.WriteString(": ")
	b.WriteString(printable(r.Message))
	var parts []string
	add := func(prefix string, a slog.Attr) {
		parts = append(parts, flatten(prefix, a)...)
	}
	for _, a := range h.attrs {
		add("", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		add(h.group, a)
		return true
	})
	if len(parts) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(parts, ", "))
		b.WriteString(")")
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// flatten renders an attribute as "key value", groups as "group.key value".
func flatten(prefix string, a slog.Attr) []string {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return nil
	}
	if a.Value.Kind() == slog.KindGroup {
		var out []string
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			out = append(out, flatten(p, g)...)
		}
		return out
	}
	key := strings.ReplaceAll(prefix+a.Key, "_", " ")
	return []string{key + " " + printable(fmt.Sprint(a.Value.Any()))}
}

func (h *humanHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr{}, h.attrs...)
	for _, a := range as {
		if h.group != "" {
			a = slog.Group(strings.TrimSuffix(h.group, "."), a)
		}
		c.attrs = append(c.attrs, a)
	}
	return &c
}

func (h *humanHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

func levelWord(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo:
		return "info"
	}
	return "debug"
}

// printable replaces control characters, so a value from a device cannot
// drive the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}
