package signatures

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/panos-mine/mine/internal/xapi"
)

// Config says how to reach a device; see xapi.Config. It holds secrets.
type Config = xapi.Config

// Errors of the package, besides the session's (ErrUnauthorized,
// ErrUnreachable, *APIError).
var (
	// ErrConflict means threat IDs mine wants are taken by entries mine
	// did not write; see *ConflictError for which.
	ErrConflict = errors.New("threat IDs taken by other signatures")
	// ErrLocked means another administrator holds a config or commit lock;
	// see *LockError.
	ErrLocked = errors.New("configuration locked by another administrator")
	// ErrPush means a Panorama push failed on at least one firewall; see
	// *PushError.
	ErrPush = errors.New("push to firewalls failed")
	// ErrCommit means a commit job failed.
	ErrCommit = errors.New("commit failed")
	// ErrJobTimeout means a commit or push job did not finish within
	// CommitDeadline; it may still finish on the device.
	ErrJobTimeout = xapi.ErrJobTimeout
)

// Device is the identity of the device a Deployer talks to.
type Device struct {
	Hostname string
	Serial   string
	Model    string
	Version  string
	Panorama bool
}

func (d Device) String() string {
	kind := "firewall"
	if d.Panorama {
		kind = "Panorama"
	}
	return fmt.Sprintf("%s %s (%s, PAN-OS %s)", kind, d.Hostname, d.Model, d.Version)
}

// Deployer installs, checks and removes the signatures on one device, a
// firewall or a Panorama.
type Deployer struct {
	s *xapi.Session
	// file is a saved configuration read instead of a device (see
	// VerifyConfig); such a Deployer only reads.
	file   *xnode
	logger *slog.Logger
	dev    Device
	// CommitDeadline bounds the wait for each commit or push job.
	CommitDeadline time.Duration
	// Adopt takes over entries that carry exactly the content mine would
	// write but not its marker (installed by the skillet, say) instead of
	// reporting them as conflicts: they are rewritten with the marker.
	Adopt bool
	// ForcePush pushes to the device groups on Panorama even when there
	// was nothing to commit (to repair an earlier failed push).
	ForcePush bool
}

// Connect opens a session for deployment and reads the device identity.
// It returns the session's errors (ErrUnauthorized, ErrUnreachable).
func Connect(ctx context.Context, cfg Config) (*Deployer, error) {
	s, err := xapi.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	info := s.SystemInfo()
	d := &Deployer{s: s, logger: logger, CommitDeadline: 15 * time.Minute, dev: Device{
		Hostname: info["hostname"], Serial: info["serial"], Model: info["model"],
		Version: info["sw-version"], Panorama: s.IsPanorama(),
	}}
	return d, nil
}

// Device returns the identity of the device.
func (d *Deployer) Device() Device { return d.dev }

// SetSleep replaces the wait between job polls (tests shorten it).
func (d *Deployer) SetSleep(f func(ctx context.Context, d time.Duration) error) { d.s.SetSleep(f) }

// Result says what a deployment, removal or profile attachment did.
type Result struct {
	Plan      *Plan
	Location  string
	Set       int  // entries written (added or updated)
	Deleted   int  // entries deleted
	Committed bool // a commit ran and finished
	JobID     uint // the commit job, 0 when nothing was committed
	// Pushes are the Panorama pushes to device groups, with every
	// firewall's result.
	Pushes []Push
}

// Push is one Panorama push (commit-all) to a device group.
type Push struct {
	DeviceGroup string
	JobID       uint
	Devices     []DeviceResult
}

// DeviceResult is one firewall's part of a push.
type DeviceResult struct {
	Serial, Name string
	Result       string // OK, FAIL
	Status       string
	Messages     []string
}

// Deploy installs the catalog at loc safely: it checks the location against
// the device, reads every custom vulnerability signature (Preflight), and
// stops with a *ConflictError (ErrConflict) before writing anything when a
// wanted ID is taken. Otherwise it adds what is missing, rewrites its own
// entries that differ, leaves identical ones alone, and commits only when
// something changed (the API user's changes only, where known), on
// Panorama then pushing to the device groups. A config or commit lock of
// another administrator gives a *LockError (ErrLocked) before any change.
func (d *Deployer) Deploy(ctx context.Context, c Catalog, loc Location) (Result, error) {
	p, err := d.Plan(ctx, c, loc)
	if err != nil {
		return Result{Location: loc.String()}, err
	}
	if err := p.Err(); err != nil {
		return Result{Plan: p, Location: loc.String()}, err
	}
	return d.Apply(ctx, p, fmt.Sprintf("mine: HTTP status signatures (catalog %s)", c.Version))
}

// Apply carries out a plan: lock check, changes, commit and (Panorama)
// push. A plan with conflicts is refused.
func (d *Deployer) Apply(ctx context.Context, p *Plan, description string) (Result, error) {
	res := Result{Plan: p, Location: p.Location.String()}
	if err := p.Err(); err != nil {
		return res, err
	}
	if len(p.Changes) == 0 && !p.Commit && !(d.ForcePush && d.dev.Panorama) {
		d.logger.Info("nothing to change", "location", res.Location)
		return res, nil
	}
	if err := d.checkLocks(ctx); err != nil {
		return res, err
	}
	for _, ch := range p.Changes {
		if err := d.change(ctx, ch); err != nil {
			return res, fmt.Errorf("%s: %w", ch.Summary, err)
		}
		res.Set += ch.sets
		res.Deleted += ch.deletes
	}
	if len(p.Changes) > 0 {
		d.logger.Info("candidate configuration changed", "location", res.Location, "written", res.Set, "deleted", res.Deleted)
	}
	if err := d.commit(ctx, p, description, &res); err != nil {
		return res, err
	}
	return res, nil
}

func (d *Deployer) change(ctx context.Context, ch Change) error {
	switch ch.Op {
	case "set":
		return d.s.Set(ctx, ch.Xpath, ch.Element)
	case "edit":
		return d.s.Edit(ctx, ch.Xpath, ch.Element)
	case "delete":
		return d.s.Delete(ctx, ch.Xpath)
	}
	return fmt.Errorf("unknown change %q", ch.Op)
}

// LockError lists the locks other administrators hold.
type LockError struct {
	Locks []xapi.Lock
}

func (e *LockError) Error() string {
	var parts []string
	for _, l := range e.Locks {
		s := fmt.Sprintf("%s lock held by %s", l.Kind, l.Owner)
		if l.Scope != "" {
			s += " on " + l.Scope
		}
		if l.Comment != "" {
			s += fmt.Sprintf(" (%q)", l.Comment)
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("%v: %s; nothing was changed", ErrLocked, strings.Join(parts, ", "))
}

func (e *LockError) Unwrap() error { return ErrLocked }

// checkLocks fails when someone other than the API user holds a config or
// commit lock. With only an API key the user is unknown and every lock
// counts as someone else's.
func (d *Deployer) checkLocks(ctx context.Context) error {
	locks, err := d.s.Locks(ctx)
	if err != nil {
		return fmt.Errorf("check locks before changing the configuration: %w", err)
	}
	me := d.s.Username()
	var others []xapi.Lock
	for _, l := range locks {
		if me == "" || l.Owner != me {
			others = append(others, l)
		}
	}
	if len(others) > 0 {
		return &LockError{Locks: others}
	}
	return nil
}

// noteLocks adds a note to a plan that has changes when another
// administrator's lock would refuse them.
func (d *Deployer) noteLocks(ctx context.Context, p *Plan) error {
	if len(p.Changes) == 0 && !p.Commit {
		return nil
	}
	err := d.checkLocks(ctx)
	var le *LockError
	if errors.As(err, &le) {
		p.Notes = append(p.Notes, strings.TrimSuffix(le.Error(), "; nothing was changed")+": applying the plan now would be refused")
		return nil
	}
	return err
}

// commitOptions limits the commit to the API user's changes when the user
// is known and the device has partial commits (PAN-OS 8.0+).
func (d *Deployer) commitOptions(description string) xapi.CommitOptions {
	o := xapi.CommitOptions{Description: description}
	major, _, _ := d.s.Version()
	switch user := d.s.Username(); {
	case user != "" && major >= 8:
		o.Admins = []string{user}
	case user == "":
		d.logger.Warn("API user unknown (API key without PANOS_USERNAME): the commit includes every administrator's pending changes")
	default:
		d.logger.Warn("PAN-OS before 8.0 has no partial commit: the commit includes every administrator's pending changes")
	}
	return o
}

// commit commits and waits; on Panorama it then pushes to the device
// groups of the plan and reports each firewall.
func (d *Deployer) commit(ctx context.Context, p *Plan, description string, res *Result) error {
	o := d.commitOptions(description)
	id, err := d.s.CommitWith(ctx, o)
	if err != nil {
		return err
	}
	if id == 0 {
		d.logger.Info("nothing to commit")
	} else {
		res.JobID = id
		d.logger.Info("commit started", "job", id, "admins", strings.Join(o.Admins, ","))
		if _, err := d.s.WaitJob(ctx, id, d.CommitDeadline); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("stopped waiting for commit job %d, which may still run on the device: %w", id, ctx.Err())
			}
			if errors.Is(err, xapi.ErrJobTimeout) {
				return fmt.Errorf("commit: %w", err)
			}
			return fmt.Errorf("%w: %w", ErrCommit, err)
		}
		res.Committed = true
	}
	if !d.dev.Panorama || (id == 0 && !d.ForcePush) {
		return nil
	}
	var failed []DeviceResult
	for _, dg := range p.PushGroups {
		push, err := d.push(ctx, dg, description)
		res.Pushes = append(res.Pushes, push)
		if err != nil {
			return err
		}
		for _, dr := range push.Devices {
			if dr.Result != "OK" {
				failed = append(failed, dr)
			}
		}
	}
	if len(failed) > 0 {
		return &PushError{Failed: failed}
	}
	return nil
}

// push pushes one device group and waits for every firewall.
func (d *Deployer) push(ctx context.Context, dg, description string) (Push, error) {
	push := Push{DeviceGroup: dg}
	id, err := d.s.Push(ctx, dg, description, nil)
	if err != nil {
		return push, err
	}
	push.JobID = id
	d.logger.Info("push to device group started", "device_group", dg, "job", id)
	job, err := d.s.WaitJob(ctx, id, d.CommitDeadline)
	if !job.Done() {
		if ctx.Err() != nil {
			return push, fmt.Errorf("stopped waiting for push job %d, which may still run on Panorama: %w", id, ctx.Err())
		}
		return push, fmt.Errorf("push to device group %s: %w", dg, err)
	}
	deviceFailed := false
	for _, dv := range job.Devices {
		push.Devices = append(push.Devices, DeviceResult{Serial: dv.Serial, Name: dv.Name, Result: dv.Result, Status: dv.Status, Messages: dv.Errors})
		deviceFailed = deviceFailed || dv.Result != "OK"
	}
	if job.Result != "OK" && !deviceFailed {
		return push, fmt.Errorf("%w: push to device group %s: job %d: %s", ErrPush, dg, id, job.Failed())
	}
	return push, nil
}

// PushError lists the firewalls a push failed on.
type PushError struct {
	Failed []DeviceResult
}

func (e *PushError) Error() string {
	var parts []string
	for _, f := range e.Failed {
		s := fmt.Sprintf("%s (%s): %s", f.Name, f.Serial, f.Result)
		if len(f.Messages) > 0 {
			s += ": " + strings.Join(f.Messages, "; ")
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("%v on %d firewall(s): %s", ErrPush, len(e.Failed), strings.Join(parts, ", "))
}

func (e *PushError) Unwrap() error { return ErrPush }
