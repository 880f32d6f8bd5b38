package collect

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// Config says how to reach a device; see xapi.Config. It holds secrets.
type Config = xapi.Config

// APIError is an error answer from the device.
type APIError = xapi.APIError

var (
	// ErrUnauthorized: the device refused the key or credentials.
	ErrUnauthorized = xapi.ErrUnauthorized
	// ErrUnreachable: no exchange with the device was possible.
	ErrUnreachable = xapi.ErrUnreachable
	// ErrLogJobTimeout: a log query job did not finish before its deadline.
	ErrLogJobTimeout = errors.New("log query job did not finish in time")
	// ErrUnsupported: the device or its PAN-OS version cannot answer.
	ErrUnsupported = errors.New("not supported by this device")
)

// Client reads from one connected device.
type Client struct {
	s    *xapi.Session
	dev  mine.Device
	vsys string
	dg   string // Panorama device group
	// repeats counts requests repeated in place (see retryInPlace)
	repeats atomic.Int64
	logger  *slog.Logger

	// PageSize is nlogs per log query (at most 5000, the device's limit).
	PageSize int
	// PollStart is the first wait between log job polls; it grows by half
	// each time up to PollMax (PAN-OS guidance: no faster than every 2s
	// for long jobs).
	PollStart, PollMax time.Duration
	// JobDeadline bounds one log query job.
	JobDeadline time.Duration
	// SliceLength cuts the window into slices; each is collected by one
	// worker at a time.
	SliceLength time.Duration
	// Jobs is how many log query jobs run at once against the device.
	Jobs int
	// Retries is how often a transient failure of one query is retried;
	// RetryBase is the first backoff (doubled each time, with jitter).
	Retries   int
	RetryBase time.Duration
	// Checkpoint, when set, is a directory where finished slices are kept
	// so an interrupted collection resumes (see collectLogs).
	Checkpoint string
	// Progress, when set, is called after every page delivered.
	Progress func(Progress)
}

// Connect opens a session, reads the device identity and its time zone.
// vsys defaults to vsys1. Errors wrap ErrUnauthorized or ErrUnreachable
// where that is the cause.
func Connect(ctx context.Context, cfg Config, vsys string) (*Client, error) {
	if vsys == "" {
		vsys = "vsys1"
	}
	s, err := xapi.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{s: s, vsys: vsys, logger: logger,
		PageSize: 5000, PollStart: 250 * time.Millisecond, PollMax: 2 * time.Second,
		JobDeadline: 10 * time.Minute, SliceLength: 6 * time.Hour,
		Jobs: 2, Retries: 4, RetryBase: 500 * time.Millisecond}
	body, err := s.Op(ctx, "<show><system><info/></system></show>")
	if err != nil {
		return nil, fmt.Errorf("read system info of %s: %w", cfg.Host, err)
	}
	if c.dev, err = ParseSystemInfo(body); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Host, err)
	}
	if c.dev.Location, err = c.timeZone(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Host, err)
	}
	return c, nil
}

// SetSleep replaces the wait between polls (tests).
func (c *Client) SetSleep(f func(ctx context.Context, d time.Duration) error) { c.s.SetSleep(f) }

// Device returns the identity read at connect time.
func (c *Client) Device() mine.Device { return c.dev }

// Vsys returns the virtual system the client reads.
func (c *Client) Vsys() string { return c.vsys }

const tzXpath = "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/timezone"

// timeZone reads the device's configured time zone (an IANA name). A
// device without one runs on UTC.
func (c *Client) timeZone(ctx context.Context) (*time.Location, error) {
	body, err := c.s.Show(ctx, tzXpath)
	if err != nil {
		if xapi.IsNotFound(err) {
			c.logger.Warn("device has no time zone configured; assuming UTC")
			return time.UTC, nil
		}
		return nil, fmt.Errorf("read time zone: %w", err)
	}
	var doc struct {
		TZ string `xml:"result>timezone"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse time zone: %w", err)
	}
	name := strings.TrimSpace(doc.TZ)
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("device time zone %q is unknown to this system: %w", name, err)
	}
	return loc, nil
}

// HitCounts returns the security rule hit counters of the client's vsys.
// It needs PAN-OS 8.1 or later on a firewall.
func (c *Client) HitCounts(ctx context.Context) ([]mine.RuleHits, error) {
	if c.dev.Panorama {
		per, err := c.DeviceHitCounts(ctx)
		if err != nil {
			return nil, err
		}
		return AggregateHits(per), nil
	}
	if !versionAtLeast(c.dev.SWVersion, 8, 1) {
		return nil, fmt.Errorf("rule hit counts need PAN-OS 8.1 or later, %s runs %s: %w", c.dev.Hostname, c.dev.SWVersion, ErrUnsupported)
	}
	body, err := c.s.OpRequest(ctx, xapi.HitCountRequest(c.vsys), "show rule-hit-count")
	if err != nil {
		return nil, err
	}
	hits, err := ParseHitCounts(body)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].Serial = c.dev.Serial
	}
	return hits, nil
}

// Rules returns the running security rulebase of the client's vsys in
// evaluation order.
func (c *Client) Rules(ctx context.Context) ([]mine.Rule, error) {
	if c.dev.Panorama {
		return c.panoramaRules(ctx)
	}
	xpath := fmt.Sprintf("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='%s']/rulebase/security/rules", c.vsys)
	body, err := c.s.Show(ctx, xpath)
	if err != nil {
		return nil, fmt.Errorf("read security rules of %s: %w", c.vsys, err)
	}
	return ParseRules(body, c.vsys)
}

// versionAtLeast compares the major.minor of a PAN-OS version string.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}
