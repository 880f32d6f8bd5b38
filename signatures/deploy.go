package signatures

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/panos-mine/mine/internal/xapi"
)

// Config says how to reach a device; see xapi.Config. It holds secrets.
type Config = xapi.Config

// Location says where the signatures live on a firewall: "shared" or a
// vsys name.
type Location struct {
	Vsys string // empty means shared
}

// Xpath is the threats/vulnerability container of the location.
func (l Location) Xpath() string {
	if l.Vsys == "" {
		return "/config/shared/threats/vulnerability"
	}
	return fmt.Sprintf("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='%s']/threats/vulnerability", l.Vsys)
}

func (l Location) String() string {
	if l.Vsys == "" {
		return "shared"
	}
	return "vsys " + l.Vsys
}

// Result says what a deployment did.
type Result struct {
	Location  string
	Set       int  // signatures written
	Committed bool // a commit was needed and finished
	JobID     uint
}

// Deployer deploys a catalog to one device.
type Deployer struct {
	s      *xapi.Session
	logger *slog.Logger
	// CommitDeadline bounds the wait for the commit job.
	CommitDeadline time.Duration
}

// Connect opens a session for deployment.
func Connect(ctx context.Context, cfg Config) (*Deployer, error) {
	s, err := xapi.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Deployer{s: s, logger: logger, CommitDeadline: 15 * time.Minute}, nil
}

// Deploy writes every signature of the catalog into the location's
// candidate configuration in one request, commits, and waits for the commit
// job. PAN-OS answering that there was nothing to commit counts as success.
func (d *Deployer) Deploy(ctx context.Context, c Catalog, loc Location) (Result, error) {
	res := Result{Location: loc.String()}
	if len(c.Signatures) == 0 {
		return res, fmt.Errorf("deploy signatures: the catalog is empty")
	}
	if err := d.s.Set(ctx, loc.Xpath(), c.ElementXML()); err != nil {
		return res, fmt.Errorf("deploy %d signatures to %s: %w", len(c.Signatures), loc, err)
	}
	res.Set = len(c.Signatures)
	d.logger.Info("signatures written to the candidate config", "count", res.Set, "location", res.Location)
	id, err := d.s.Commit(ctx, fmt.Sprintf("mine: HTTP status signatures (catalog %s)", c.Version))
	if err != nil {
		return res, fmt.Errorf("deploy signatures: %w", err)
	}
	if id == 0 {
		d.logger.Info("nothing to commit: the signatures were already in the running config")
		return res, nil
	}
	res.JobID = id
	d.logger.Info("commit started", "job", id)
	if _, err := d.s.WaitJob(ctx, id, d.CommitDeadline); err != nil {
		return res, fmt.Errorf("deploy signatures: %w", err)
	}
	res.Committed = true
	return res, nil
}
