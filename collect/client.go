package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
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
	// ErrConnectionLost: the device answered at connect time, then
	// stopped answering (resets, timeouts) beyond the retries.
	ErrConnectionLost = errors.New("the device stopped answering during the collection")
	// ErrStalled: no log query moved for Client.RunStall.
	ErrStalled = errors.New("the collection made no progress")
	// ErrShortPage: a log page kept carrying fewer entries than its count
	// attribute announced.
	ErrShortPage = errors.New("log pages came back shorter than announced")
)

// ConnError is a transport failure with its cause (xapi.ConnError).
type ConnError = xapi.ConnError

// The kinds of ConnError.
const (
	ConnFailed  = xapi.ConnFailed
	ConnDNS     = xapi.ConnDNS
	ConnRefused = xapi.ConnRefused
	ConnTimeout = xapi.ConnTimeout
	ConnTLS     = xapi.ConnTLS
)

// Client reads from one connected device.
type Client struct {
	s          *xapi.Session
	dev        mine.Device
	vsys       string
	dg         string // Panorama device group
	timeSource string // how the device's time zone was learned
	now        func() time.Time
	// repeats counts requests repeated in place (see retryInPlace)
	repeats atomic.Int64
	logger  *slog.Logger
	// logTiming and reportTiming learn how long the device's jobs take;
	// slots holds one token per job running on the device (poll.go).
	logTiming, reportTiming jobTiming
	slotsOnce               sync.Once
	slots                   chan struct{}

	// PageSize is nlogs per log query (at most 5000, the device's limit).
	PageSize int
	// PollStart is the wait between polls of a job while no job of its
	// kind has finished yet, until an eighth of the time the job has run
	// is longer (up to PollMax). Once jobs have finished, each job is
	// polled first a little before the shortest of them took and then
	// every twentieth of their typical duration (see poll.go), never
	// sooner than PollFloor (DefaultPollFloor, at most PollStart) after
	// the previous poll and never later than PollMax.
	PollStart, PollMax, PollFloor time.Duration
	// JobStall abandons a log query job whose status and progress have not
	// moved for this long; it is submitted again (a retry). JobDeadline
	// bounds one job however it progresses. RunStall stops a collection
	// in which no job moved and no page arrived for this long
	// (ErrStalled). Connect sets them from the request timeout: 5, 30 and
	// 15 times it.
	JobStall, JobDeadline, RunStall time.Duration
	// Heartbeat is how often Progress hears from a collection that is
	// waiting on the device; default 10s.
	Heartbeat time.Duration
	// SliceLength cuts the window into slices; each is collected by one
	// worker at a time. Slices are also cut where the device's time zone
	// changes offset.
	SliceLength time.Duration
	// Jobs is how many log query and report jobs run at once against the
	// device, whatever collections run side by side.
	Jobs int
	// ReportRows is the most rows mine asks one report for (topn; at
	// most and by default 10000); ReportSlice the first guess of a
	// report's time range (default 6h), which later reports size from the
	// rows per hour the first ones returned (evidence.go).
	ReportRows  int
	ReportSlice time.Duration
	// Retries is how often a transient failure of one query is retried;
	// RetryBase is the first backoff (doubled each time, with jitter).
	Retries   int
	RetryBase time.Duration
	// Strict fails a collection on the first log entry that cannot be
	// read, instead of skipping and counting it.
	Strict bool
	// Checkpoints, when set, keeps finished slices on disk so an
	// interrupted collection resumes (see checkpoint.go).
	Checkpoints *Checkpoints
	// Progress, when set, is called after every page delivered and, while
	// waiting on the device, at least every Heartbeat.
	Progress func(Progress)
}

// Connect opens a session, reads the device identity and its time (see
// devicetime.go). vsys defaults to vsys1. Errors wrap ErrUnauthorized or
// ErrUnreachable where that is the cause, ErrNoDeviceTime when the
// device's time zone cannot be learned.
func Connect(ctx context.Context, cfg Config, vsys string) (*Client, error) {
	return ConnectScope(ctx, cfg, Scope{Vsys: vsys})
}

// open connects and reads the identity, without the time.
func open(ctx context.Context, cfg Config, vsys string) (*Client, error) {
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
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	c := &Client{s: s, vsys: vsys, logger: logger, now: cfg.Now,
		PageSize: 5000, PollStart: 250 * time.Millisecond, PollMax: 2 * time.Second,
		JobStall: 5 * timeout, JobDeadline: 30 * timeout, RunStall: 15 * timeout, Heartbeat: 10 * time.Second,
		SliceLength: 6 * time.Hour, Jobs: 2, Retries: 4, RetryBase: 500 * time.Millisecond}
	body, err := s.Op(ctx, "<show><system><info/></system></show>")
	if err != nil {
		return nil, fmt.Errorf("read system info of %s: %w", cfg.Host, err)
	}
	if c.dev, err = ParseSystemInfo(body); err != nil {
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

// lost marks a transport failure after the device answered at connect
// time: the device was reached, so this is not ErrUnreachable (exit 3)
// but a collection that broke off (ErrConnectionLost).
func lost(err error) error {
	if err == nil || errors.Is(err, ErrUnauthorized) || !errors.Is(err, ErrUnreachable) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrConnectionLost, err)
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
		return nil, lost(err)
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
		return nil, fmt.Errorf("read security rules of %s: %w", c.vsys, lost(err))
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
