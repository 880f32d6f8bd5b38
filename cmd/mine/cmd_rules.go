package main

import (
	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/report"
)

type rulesOptions struct {
	conn       connOptions
	configFile string
	catchAll   []string
	format     string
}

func newRulesCmd(d *deps) *cobra.Command {
	o := &rulesOptions{}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Every rule as PAN-OS evaluates it, and the catch-all",
		Long: `Rules prints the security policy of a firewall vsys or a Panorama device
group in evaluation order, each rule with:

  location    where it lives: vsys1; on Panorama shared/pre, <group>/pre,
              <group>/post, shared/post (ancestor groups included, parents
              first for pre-rules, children first for post-rules); on a
              firewall managed by Panorama panorama/pre and panorama/post;
              default for intrazone-default and interzone-default
  port-based  an enabled allow rule for application any (what Policy
              Optimizer calls a rule without App-ID controls)
  shadowed by the rules above that leave it nothing to match (it can never
              match: delete it or move it)
  hits        the device's hit counter and last hit, when read from a device

and which rule mine takes as the catch-all, and why. Among the reachable
port-based rules that allow a web port (tcp/80, 443, 8080 or 8443), it is
the one not narrowed by source user, URL category, HIP or schedule, then the
broadest (source, destination and port breadth in bits), then the one with
the most hits, then the first in evaluation order. --catch-all names it
instead (a shadowed, disabled or non-allow rule is refused).

Objects (addresses, groups, dynamic groups, services, application groups and
filters) are resolved in PAN-OS scope order: vsys then shared; device
group, its ancestors, then shared. A name that resolves nowhere is a warning
naming the rule and the object.

With --config-file the policy comes from a saved configuration (the XML of
'show config running', the API's export, or the file the web interface
saves), and no device or network is needed.`,
		Example: `  mine rules --config-file running-config.xml
  mine rules --config-file panorama.xml --device-group DG-Berlin --format json
  export PANOS_API_KEY=...
  mine rules --host fw.example.net`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := resolveFormat(d, o.format, listFormats...)
			if err != nil {
				return err
			}
			var pol *mine.Policy
			var hits []mine.RuleHits
			sc := collect.Scope{Vsys: o.conn.vsys, DeviceGroup: o.conn.devGroup}
			if o.configFile != "" {
				if pol, err = readConfigFile(o.configFile, sc); err != nil {
					return err
				}
			} else {
				cfg, err := o.conn.config(d)
				if err != nil {
					return err
				}
				ctx := cmd.Context()
				c, err := collect.ConnectScope(ctx, cfg, collect.Scope{Vsys: o.conn.vsysOrDefault(), DeviceGroup: o.conn.devGroup})
				if err != nil {
					return err
				}
				if pol, err = c.Policy(ctx); err != nil {
					return err
				}
				if hits, err = c.HitCounts(ctx); err != nil {
					d.logger.Warn("no rule hit counts", "reason", err)
				}
				if err := addApplications(ctx, c, pol, nil); err != nil {
					return err
				}
			}
			choice, err := correlate.ChooseCatchAll(pol, hits, o.catchAll)
			if err != nil {
				if len(o.catchAll) > 0 {
					return usageError{err}
				}
				choice.Reason = err.Error()
			}
			rb := correlate.Rulebase(pol, hits, choice)
			return report.WriteRules(d.io.out, report.Format(format), &rb)
		},
	}
	o.conn.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.configFile, "config-file", "", "read the policy from this saved configuration instead of a device")
	f.StringSliceVar(&o.catchAll, "catch-all", nil, "the catch-all rule(s), instead of mine's choice")
	f.StringVar(&o.format, "format", "auto", formatHelp(listFormats...))
	return cmd
}
