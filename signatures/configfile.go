package signatures

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// VerifyConfig is Verify on a saved configuration (the XML of "show config
// running", the API's export or the file the web interface saves, with or
// without a <response> envelope) instead of a device: it needs no network
// and changes nothing. What Panorama pushed to a firewall and the
// predefined profiles' contents are not in a saved configuration; rules
// that rely on them are reported with that problem.
func VerifyConfig(ctx context.Context, r io.Reader, c Catalog, scope PolicyScope, rules []string) (*Verification, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	root, err := parseXML(b)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	cfg := root.child("config")
	if cfg == nil {
		cfg = root.at("response", "result", "config")
	}
	if cfg == nil {
		return nil, fmt.Errorf("not a PAN-OS configuration: no <config> element")
	}
	d := &Deployer{file: cfg, logger: slog.New(slog.DiscardHandler)}
	d.dev.Panorama = cfg.at("devices", "entry", "device-group") != nil || cfg.at("mgt-config", "devices") != nil
	if h := cfg.at("devices", "entry", "deviceconfig", "system", "hostname"); h != nil {
		d.dev.Hostname = h.text
	}
	return d.Verify(ctx, c, scope, rules)
}

// walk answers an xpath of the kind mine reads (/config/a/b/entry[@name='x']/c)
// from a configuration tree rooted at <config>; nil when it is absent.
func (n *xnode) walk(xpath string) *xnode {
	steps := splitXpath(strings.TrimPrefix(xpath, "/"))
	if len(steps) == 0 || steps[0] != "config" {
		return nil
	}
	cur := n
	for _, st := range steps[1:] {
		name, pred, _ := strings.Cut(st, "[")
		var next *xnode
		for _, c := range cur.children {
			if c.name != name {
				continue
			}
			if pred != "" {
				want := strings.TrimSuffix(strings.TrimPrefix(pred, "@name='"), "']")
				if c.attr("name") != want {
					continue
				}
			}
			next = c
			break
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// splitXpath splits at slashes outside [...] (names may hold slashes).
func splitXpath(x string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(x); i++ {
		switch x[i] {
		case '[':
			depth++
		case ']':
			depth--
		case '/':
			if depth == 0 {
				out = append(out, x[start:i])
				start = i + 1
			}
		}
	}
	return append(out, x[start:])
}
