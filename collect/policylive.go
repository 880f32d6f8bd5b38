package collect

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// Policy reads the running security policy of the client's context with
// every object its rules refer to: on a firewall, shared, the vsys, what
// Panorama pushed (pre- and post-rules and their objects) and the IPs
// registered for dynamic address groups; on Panorama, shared, the device
// group and its ancestors. The predefined applications it needs come
// separately (Applications).
func (c *Client) Policy(ctx context.Context) (*mine.Policy, error) {
	shared, err := c.readObjects(ctx, "/config/shared", "shared")
	if err != nil {
		return nil, err
	}
	if c.dev.Panorama {
		return c.panoramaPolicy(ctx, shared)
	}
	var vsys struct {
		V xmlVsys `xml:"result>entry"`
	}
	if err := c.showInto(ctx, fmt.Sprintf("%s/vsys/entry[@name='%s']", panoDevice, c.vsys), &vsys); err != nil {
		if xapi.IsNotFound(err) {
			return nil, fmt.Errorf("%s has no vsys %q", c.dev.Hostname, c.vsys)
		}
		return nil, fmt.Errorf("read vsys %s: %w", c.vsys, err)
	}
	vsys.V.Name = c.vsys
	pushed, err := c.pushedPolicy(ctx)
	if err != nil {
		return nil, err
	}
	p := firewallPolicy(shared, &vsys.V, pushed)
	if p.RegisteredIPs, err = c.RegisteredIPs(ctx); err != nil {
		p.Warnings = append(p.Warnings, fmt.Sprintf("registered IPs of dynamic address groups not read (%v): their membership beyond tagged address objects is not known", err))
	}
	return p, nil
}

// readObjects reads a container that holds objects and rulebases
// (/config/shared answers <shared>).
func (c *Client) readObjects(ctx context.Context, xpath, elem string) (*xmlObjects, error) {
	body, err := c.s.Show(ctx, xpath)
	if err != nil {
		if xapi.IsNotFound(err) {
			return &xmlObjects{}, nil
		}
		return nil, fmt.Errorf("read %s: %w", elem, err)
	}
	var doc struct {
		Result struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"result"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", elem, err)
	}
	// <result><shared>…</shared></result>: decode the one child.
	var objs xmlObjects
	if err := xml.Unmarshal(doc.Result.Inner, &objs); err != nil {
		return nil, fmt.Errorf("parse %s: %w", elem, err)
	}
	return &objs, nil
}

func (c *Client) showInto(ctx context.Context, xpath string, v any) error {
	body, err := c.s.Show(ctx, xpath)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return fmt.Errorf("parse the answer for %s: %w", xpath, err)
	}
	return nil
}

// pushedPolicy reads what Panorama pushed to the firewall for the vsys;
// nil when the firewall is not managed by Panorama.
func (c *Client) pushedPolicy(ctx context.Context) (*xmlObjects, error) {
	body, err := c.s.Op(ctx, "<show><config><pushed-shared-policy><vsys>"+xmlEscape(c.vsys)+"</vsys></pushed-shared-policy></config></show>")
	if err != nil {
		if xapi.IsNotFound(err) {
			return nil, nil
		}
		if apiErr := (*APIError)(nil); errors.As(err, &apiErr) {
			// A firewall that Panorama does not manage may refuse the
			// command; nothing was pushed.
			c.logger.Debug("no pushed policy", "reason", err)
			return nil, nil
		}
		return nil, fmt.Errorf("read the policy Panorama pushed: %w", err)
	}
	var doc struct {
		Panorama *xmlObjects `xml:"result>policy>panorama"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse the policy Panorama pushed: %w", err)
	}
	return doc.Panorama, nil
}

// RegisteredIPs returns the IP addresses registered with tags for
// dynamic address groups (show object registered-ip all).
func (c *Client) RegisteredIPs(ctx context.Context) (map[string][]string, error) {
	body, err := c.s.OpVsys(ctx, "<show><object><registered-ip><all/></registered-ip></object></show>", c.vsys)
	if err != nil {
		return nil, err
	}
	return ParseRegisteredIPs(body)
}

// ParseRegisteredIPs parses the answer to "show object registered-ip
// all": result/entry[@ip] with tag/member.
func ParseRegisteredIPs(body []byte) (map[string][]string, error) {
	var doc struct {
		Status  string `xml:"status,attr"`
		Entries []struct {
			IP   string     `xml:"ip,attr"`
			Tags xmlMembers `xml:"tag"`
		} `xml:"result>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse registered IPs: %w", err)
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("parse registered IPs: response status %q", doc.Status)
	}
	out := make(map[string][]string, len(doc.Entries))
	for _, e := range doc.Entries {
		ip := strings.TrimSpace(e.IP)
		if ip == "" {
			return nil, fmt.Errorf("parse registered IPs: an entry has no ip")
		}
		out[ip] = append(out[ip], e.Tags.list()...)
	}
	return out, nil
}

// panoramaPolicy reads the device group, its ancestors and the hierarchy.
func (c *Client) panoramaPolicy(ctx context.Context, shared *xmlObjects) (*mine.Policy, error) {
	parents, err := c.deviceGroupParents(ctx)
	if err != nil {
		return nil, err
	}
	groups := map[string]*xmlDeviceGroup{}
	for g := c.dg; g != "" && g != "shared" && groups[g] == nil; g = parents[g] {
		var doc struct {
			G xmlDeviceGroup `xml:"result>entry"`
		}
		if err := c.showInto(ctx, fmt.Sprintf("%s/device-group/entry[@name='%s']", panoDevice, g), &doc); err != nil {
			if xapi.IsNotFound(err) {
				if g == c.dg {
					return nil, fmt.Errorf("%s has no device group %q", c.dev.Hostname, g)
				}
				break
			}
			return nil, fmt.Errorf("read device group %s: %w", g, err)
		}
		doc.G.Name = g
		groups[g] = &doc.G
	}
	return panoramaPolicy(shared, groups, parents, c.dg)
}

// deviceGroupParents reads the device-group hierarchy.
func (c *Client) deviceGroupParents(ctx context.Context) (map[string]string, error) {
	var doc struct {
		Groups []xmlDGInfo `xml:"result>device-group>entry"`
		Info   []xmlDGInfo `xml:"result>dg-info>entry"`
	}
	err := c.showInto(ctx, "/config/readonly/devices/entry[@name='localhost.localdomain']/device-group", &doc)
	if err != nil && xapi.IsNotFound(err) {
		err = c.showInto(ctx, "/config/readonly/dg-meta-data/dg-info", &doc)
	}
	if err != nil && !xapi.IsNotFound(err) {
		return nil, fmt.Errorf("read the device-group hierarchy: %w", err)
	}
	cfg := &xmlConfig{}
	cfg.Readonly.DeviceGroups, cfg.Readonly.DGInfo = doc.Groups, doc.Info
	return cfg.parents(), nil
}

// Applications reads the predefined applications named from the device's
// content (/config/predefined/application); names it does not know are
// left out.
func (c *Client) Applications(ctx context.Context, names []string) (map[string]mine.Application, error) {
	out := map[string]mine.Application{}
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if strings.ContainsAny(n, "'\"") {
			return nil, fmt.Errorf("application name %q cannot be quoted in an xpath", n)
		}
		var doc struct {
			A []xmlApplication `xml:"result>entry"`
		}
		err := c.showInto(ctx, "/config/predefined/application/entry[@name='"+n+"']", &doc)
		if err != nil {
			if xapi.IsNotFound(err) {
				continue
			}
			return nil, fmt.Errorf("read predefined application %s: %w", n, err)
		}
		for _, a := range doc.A {
			out[a.Name] = a.application()
		}
	}
	return out, nil
}

// xmlEscape escapes text for an element of an op command.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
