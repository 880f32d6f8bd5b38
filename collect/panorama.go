package collect

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// Scope says what a client reads: on a firewall a vsys; on Panorama a
// device group, and optionally one managed firewall whose logs alone are
// wanted (Device, a serial; its logs are read through Panorama with
// target=serial).
type Scope struct {
	Vsys        string
	DeviceGroup string
	Device      string
	// DeviceTZ, when set, is the IANA time zone of the device whose logs
	// are read, as the user knows it: it replaces what the device says
	// (see devicetime.go).
	DeviceTZ string
}

// ConnectScope is Connect with a full scope. On Panorama a device group is
// required: rules and hit counts belong to one. With Device, the time zone
// is the managed firewall's, read through Panorama.
func ConnectScope(ctx context.Context, cfg Config, sc Scope) (*Client, error) {
	c, err := open(ctx, cfg, sc.Vsys)
	if err != nil {
		return nil, err
	}
	if !c.dev.Panorama {
		if sc.DeviceGroup != "" || sc.Device != "" {
			return nil, fmt.Errorf("%s is a firewall (%s): --device-group and --device apply to Panorama only", cfg.Host, c.dev.Model)
		}
	} else {
		if sc.DeviceGroup == "" {
			return nil, fmt.Errorf("%s is a Panorama: name the device group that holds the catch-all (--device-group)", cfg.Host)
		}
		c.dg = sc.DeviceGroup
		if sc.Device != "" {
			c.s.SetLogTarget(sc.Device)
		}
	}
	if err := c.learnTime(ctx, sc.DeviceTZ, cfg.Now); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Host, err)
	}
	return c, nil
}

// DeviceGroup returns the Panorama device group the client reads, or "".
func (c *Client) DeviceGroup() string { return c.dg }

const panoDevice = "/config/devices/entry[@name='localhost.localdomain']"

// panoramaRules reads the rules that apply to the device group's firewalls,
// in evaluation order: shared pre-rules, the group's pre-rules, the group's
// post-rules, shared post-rules. (The firewalls' own local rules sit
// between pre and post; read them from a firewall.)
func (c *Client) panoramaRules(ctx context.Context) ([]mine.Rule, error) {
	parts := []struct{ xpath, loc string }{
		{"/config/shared/pre-rulebase/security/rules", "shared/pre-rulebase"},
		{fmt.Sprintf("%s/device-group/entry[@name='%s']/pre-rulebase/security/rules", panoDevice, c.dg), c.dg + "/pre-rulebase"},
		{fmt.Sprintf("%s/device-group/entry[@name='%s']/post-rulebase/security/rules", panoDevice, c.dg), c.dg + "/post-rulebase"},
		{"/config/shared/post-rulebase/security/rules", "shared/post-rulebase"},
	}
	var out []mine.Rule
	for _, p := range parts {
		body, err := c.s.Show(ctx, p.xpath)
		if err != nil {
			if xapi.IsNotFound(err) {
				continue // an empty rulebase
			}
			return nil, fmt.Errorf("read %s rules: %w", p.loc, err)
		}
		rules, err := ParseRules(body, p.loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.loc, err)
		}
		out = append(out, rules...)
	}
	for i := range out {
		out[i].Position = i
	}
	return out, nil
}

// DeviceHitCounts returns, on Panorama, the security rule counters of the
// device group's pre- and post-rules per firewall and vsys, as Panorama
// reports them (Serial and Vsys set). On a firewall it is HitCounts.
func (c *Client) DeviceHitCounts(ctx context.Context) ([]mine.RuleHits, error) {
	if !c.dev.Panorama {
		return c.HitCounts(ctx)
	}
	if !versionAtLeast(c.dev.SWVersion, 9, 0) {
		return nil, fmt.Errorf("device group hit counts need Panorama 9.0 or later, %s runs %s: %w", c.dev.Hostname, c.dev.SWVersion, ErrUnsupported)
	}
	var out []mine.RuleHits
	for _, rb := range []string{"pre-rulebase", "post-rulebase"} {
		cmd := fmt.Sprintf("<show><rule-hit-count><device-group><entry name='%s'><%s><entry name='security'><rules><all/></rules></entry></%s></entry></device-group></rule-hit-count></show>", c.dg, rb, rb)
		body, err := c.s.Op(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("hit counts of %s %s: %w", c.dg, rb, lost(err))
		}
		hits, err := ParsePanoramaHitCounts(body)
		if err != nil {
			return nil, err
		}
		out = append(out, hits...)
	}
	return out, nil
}

// ParsePanoramaHitCounts parses Panorama's answer to "show rule-hit-count"
// for a device group or shared rulebase: one mine.RuleHits per rule and
// device-vsys entry ("DG/serial/vsys").
func ParsePanoramaHitCounts(body []byte) ([]mine.RuleHits, error) {
	type counters struct {
		Name string `xml:"name,attr"`
		hitCounters
	}
	type rule struct {
		Name    string     `xml:"name,attr"`
		Devices []counters `xml:"device-vsys>entry"`
	}
	type rulebase struct {
		Name  string `xml:"name,attr"`
		Rules []rule `xml:"rules>entry"`
	}
	var doc struct {
		Status string     `xml:"status,attr"`
		DG     []rulebase `xml:"result>rule-hit-count>device-group>entry>rule-base>entry"`
		Shared []rulebase `xml:"result>rule-hit-count>shared>rule-base>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse Panorama rule hit counts: %w", err)
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("parse Panorama rule hit counts: response status %q", doc.Status)
	}
	var out []mine.RuleHits
	for _, rb := range append(doc.DG, doc.Shared...) {
		if rb.Name != "security" {
			continue
		}
		for _, r := range rb.Rules {
			for _, d := range r.Devices {
				parts := strings.Split(d.Name, "/")
				if len(parts) < 3 {
					return nil, fmt.Errorf("parse Panorama rule hit counts: rule %q: device-vsys %q is not DG/serial/vsys", r.Name, d.Name)
				}
				h := mine.RuleHits{Rule: r.Name, Serial: parts[len(parts)-2], Vsys: parts[len(parts)-1]}
				if err := d.fill(&h); err != nil {
					return nil, fmt.Errorf("parse Panorama rule hit counts: rule %q on %s: %w", r.Name, d.Name, err)
				}
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// AggregateHits folds per-firewall counters into one per rule: hits
// summed, the earliest first hit, the latest last hit and reset. The order
// of first appearance is kept.
func AggregateHits(per []mine.RuleHits) []mine.RuleHits {
	idx := map[string]int{}
	var out []mine.RuleHits
	for _, h := range per {
		i, ok := idx[h.Rule]
		if !ok {
			idx[h.Rule] = len(out)
			out = append(out, mine.RuleHits{Rule: h.Rule, FirstHit: h.FirstHit, LastHit: h.LastHit, LastReset: h.LastReset, Created: h.Created, Modified: h.Modified, HitCount: h.HitCount})
			continue
		}
		a := &out[i]
		a.HitCount += h.HitCount
		a.FirstHit = earliest(a.FirstHit, h.FirstHit)
		a.Created = earliest(a.Created, h.Created)
		a.LastHit = latest(a.LastHit, h.LastHit)
		a.LastReset = latest(a.LastReset, h.LastReset)
		a.Modified = latest(a.Modified, h.Modified)
	}
	return out
}

// earliest is the earlier of two times, zero meaning never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
