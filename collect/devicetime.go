package collect

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine/internal/xapi"
)

// This file learns the device's time: log times and the time literals of
// log queries are the device's wall clock, with no offset, so mine must know
// how that wall clock maps to UTC over the whole window.
//
// Sources, in the order they are trusted:
//   - the zone the user names (--device-tz), an IANA name;
//   - the zone configured on the device (deviceconfig/system/timezone), an
//     IANA name with its daylight-saving rules, checked against the
//     device's clock: a disagreement over a few minutes is a warning that
//     names both;
//   - without a configured zone, the device's clock ("show clock", else
//     system info "time") against the caller's clock: the difference,
//     rounded to the quarter hour real offsets land on, is the device's
//     current UTC offset. It says nothing of daylight saving, so a window
//     that spans a change it cannot know of fails (ErrZoneMismatch) rather
//     than shifting an hour.
//
// Every 10.x+ log entry carries high_res_timestamp with its offset: the
// collector checks each entry against the zone it rendered the query with,
// so a zone that is wrong for the window stops the collection with advice
// instead of moving the window's edges.

// ErrNoDeviceTime: the device's time zone could not be learned.
var ErrNoDeviceTime = errors.New("the device's time zone cannot be learned")

// ErrZoneMismatch: log entries carry a UTC offset other than the one the
// queries were rendered with, so the window's edges are off.
var ErrZoneMismatch = errors.New("the device's log times do not match the time zone mine renders its queries in")

// maxClockSkew is how far the device's clock may stray from the quarter
// hour of its offset before mine warns (no NTP on the device, or a slow
// answer).
const maxClockSkew = 3 * time.Minute

const tzXpath = "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/timezone"

// deviceClock is one reading of the device's wall clock.
type deviceClock struct {
	wall time.Time // the digits the device shows, as if they were UTC
	zone string    // the abbreviation "show clock" printed ("PST", "-03"), or ""
	from string    // "show clock" or "system info time"
}

// ParseClock parses the answer to "show clock": the result element's text
// is the wall clock as "Wed Mar  9 05:10:06 PST 2022" (zone an
// abbreviation or a bare offset such as "-03"). It returns the wall clock
// as if it were UTC and the zone as printed.
func ParseClock(body []byte) (wall time.Time, zone string, err error) {
	var doc struct {
		Status string `xml:"status,attr"`
		Result string `xml:"result"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return time.Time{}, "", fmt.Errorf("parse show clock: %w", err)
	}
	if doc.Status != "success" {
		return time.Time{}, "", fmt.Errorf("parse show clock: response status %q", doc.Status)
	}
	f := strings.Fields(doc.Result)
	if len(f) != 6 {
		return time.Time{}, "", fmt.Errorf("parse show clock: %q is not \"Dow Mon DD HH:MM:SS ZONE YYYY\"", head([]byte(strings.TrimSpace(doc.Result))))
	}
	wall, err = time.Parse("Jan 2 15:04:05 2006", strings.Join([]string{f[1], f[2], f[3], f[5]}, " "))
	if err != nil {
		return time.Time{}, "", fmt.Errorf("parse show clock: %q: %w", strings.TrimSpace(doc.Result), err)
	}
	return wall, f[4], nil
}

// parseInfoTime parses system info "time": "Wed Jan 19 11:30:17 2022",
// the wall clock without a zone.
func parseInfoTime(s string) (time.Time, error) {
	f := strings.Fields(s)
	if len(f) != 5 {
		return time.Time{}, fmt.Errorf("system info time %q is not \"Dow Mon DD HH:MM:SS YYYY\"", s)
	}
	return time.Parse("Jan 2 15:04:05 2006", strings.Join(f[1:], " "))
}

// clockOffset turns a wall clock reading taken at now into the device's UTC
// offset, rounded to the quarter hour, and the skew left over. ok is false
// when no zone explains the difference (more than 14 hours, a clock far
// off).
func clockOffset(wall, now time.Time) (offset, skew time.Duration, ok bool) {
	d := wall.Sub(now.UTC())
	q := 15 * time.Minute
	offset = d.Round(q)
	skew = d - offset
	if offset < -12*time.Hour || offset > 14*time.Hour {
		return 0, 0, false
	}
	return offset, skew, true
}

// fixedZone names a zone that is only an offset, as Go prints them.
func fixedZone(off time.Duration) *time.Location {
	s := int(off / time.Second)
	sign := "+"
	if s < 0 {
		sign, s = "-", -s
	}
	return time.FixedZone(fmt.Sprintf("UTC%s%02d:%02d", sign, s/3600, s/60%60), int(off/time.Second))
}

// offsetAt returns loc's UTC offset at t.
func offsetAt(loc *time.Location, t time.Time) time.Duration {
	_, off := t.In(loc).Zone()
	return time.Duration(off) * time.Second
}

// learnTime sets the client's zone (c.dev.Location and c.timeSource). tz,
// when set, is the user's IANA zone and wins; now is the caller's clock
// (nil: the clock cannot be compared). Warnings go to the client's logger.
func (c *Client) learnTime(ctx context.Context, tz string, now func() time.Time) error {
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return fmt.Errorf("--device-tz %q: %w", tz, err)
		}
		c.dev.Location, c.timeSource = loc, "given (--device-tz)"
		if conf, _ := c.configuredZone(ctx); conf != nil && conf.String() != loc.String() {
			c.logger.Warn("the device's configuration names another time zone; using the one given", "configured", conf.String(), "given", tz)
		}
		return nil
	}
	conf, confErr := c.configuredZone(ctx)
	if confErr != nil {
		return confErr
	}
	var clock *deviceClock
	var clockErr error
	if now != nil {
		clock, clockErr = c.readClock(ctx)
	}
	var t0 time.Time
	if now != nil {
		t0 = now()
	}
	switch {
	case clock == nil && conf == nil:
		why := "its configuration names no time zone"
		if clockErr != nil {
			why += " and its clock could not be read (" + clockErr.Error() + ")"
		} else if now == nil {
			why += " and no local clock was given to compare its clock with"
		}
		return fmt.Errorf("%w: %s; give the device's IANA time zone (--device-tz)", ErrNoDeviceTime, why)
	case clock == nil:
		if clockErr != nil {
			c.logger.Warn("could not read the device's clock; trusting its configured time zone", "zone", conf.String(), "err", clockErr)
		}
		c.dev.Location, c.timeSource = conf, "configured"
		return nil
	}
	off, skew, ok := clockOffset(clock.wall, t0)
	reading := clock.wall.Format("2006-01-02 15:04:05")
	if clock.zone != "" {
		reading += " " + clock.zone
	}
	if conf != nil {
		// The configured zone carries the daylight-saving rules; the
		// clock only checks it. Should the device stamp its logs in
		// another zone, their own offsets say so and the collection stops
		// (ErrZoneMismatch) rather than shift the window.
		c.dev.Location, c.timeSource = conf, "configured, agrees with the clock"
		confAt := clock.wall.Add(-offsetAt(conf, t0)) // the clock's reading, placed in the configured zone
		if d := confAt.Sub(t0.UTC()); d > maxClockSkew || d < -maxClockSkew {
			c.timeSource = "configured (the clock disagrees)"
			c.logger.Warn("the device's clock and its configured time zone disagree; using the configured zone (give --device-tz if it is wrong)",
				"configured", fmt.Sprintf("%s (UTC%s now)", conf, fmtOffset(offsetAt(conf, t0))),
				"clock", reading, "clock_is_off_by", d.Round(time.Second), "host_utc", t0.UTC().Format(time.RFC3339))
		}
		return nil
	}
	if !ok {
		// A clock days off is not a time zone; it is a clock without NTP.
		return fmt.Errorf("%w: its configuration names no time zone, and its clock (%s: %s) is %s from this host's: no zone explains that; give --device-tz",
			ErrNoDeviceTime, clock.from, reading, clock.wall.Sub(t0.UTC()).Round(time.Minute))
	}
	if skew > maxClockSkew || skew < -maxClockSkew {
		c.logger.Warn("the device's clock is off", "by", skew.Round(time.Second), "clock", reading)
	}
	c.logger.Warn("the device's configuration names no time zone; using its clock's offset for the whole window (exact unless a daylight-saving change falls inside it; --device-tz names the zone)",
		"offset", "UTC"+fmtOffset(off), "clock", reading)
	c.dev.Location, c.timeSource = fixedZone(off), "clock ("+clock.from+")"
	return nil
}

func fmtOffset(d time.Duration) string {
	return strings.TrimPrefix(fixedZone(d).String(), "UTC")
}

// configuredZone reads the device's configured time zone: nil when none
// is configured. An answer that cannot be read is an error, never UTC.
func (c *Client) configuredZone(ctx context.Context) (*time.Location, error) {
	body, err := c.s.TargetShow(ctx, tzXpath)
	if err != nil {
		if xapi.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read time zone: %w", err)
	}
	var doc struct {
		TZ *string `xml:"result>timezone"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse time zone: %w", err)
	}
	if doc.TZ == nil {
		if strings.Contains(string(body), "<result/>") || strings.Contains(string(body), "<result></result>") {
			return nil, nil
		}
		return nil, fmt.Errorf("parse time zone: no <timezone> in the answer %q", head(body))
	}
	name := strings.TrimSpace(*doc.TZ)
	if name == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("device time zone %q is unknown to this system (give --device-tz): %w", name, err)
	}
	return loc, nil
}

// readClock reads the device's wall clock: show clock, else system info's
// time (read again, so it is current).
func (c *Client) readClock(ctx context.Context) (*deviceClock, error) {
	body, err := c.s.TargetOp(ctx, "<show><clock/></show>")
	if err == nil {
		wall, zone, perr := ParseClock(body)
		if perr == nil {
			return &deviceClock{wall: wall, zone: zone, from: "show clock"}, nil
		}
		err = perr
	}
	body, err2 := c.s.TargetOp(ctx, "<show><system><info/></system></show>")
	if err2 != nil {
		return nil, fmt.Errorf("show clock: %v; show system info: %w", err, err2)
	}
	var doc struct {
		Time string `xml:"result>system>time"`
	}
	if xerr := xml.Unmarshal(body, &doc); xerr != nil || strings.TrimSpace(doc.Time) == "" {
		return nil, fmt.Errorf("show clock: %v; system info has no time", err)
	}
	wall, err2 := parseInfoTime(doc.Time)
	if err2 != nil {
		return nil, fmt.Errorf("show clock: %v; %w", err, err2)
	}
	return &deviceClock{wall: wall, from: "system info time"}, nil
}

// TimeSource says how the device's time zone was learned.
func (c *Client) TimeSource() string { return c.timeSource }

// head is the start of an answer or entry, for messages.
func head(b []byte) string {
	const n = 120
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
