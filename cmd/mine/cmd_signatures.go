package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine/signatures"
)

func newSignaturesCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "signatures",
		Short: "List and deploy the HTTP status code signatures",
		Long: `The signatures are 60 custom vulnerability signatures, one per HTTP
status code (threat IDs 41000-41059, context http-rsp-code, severity
informational, action alert), the set of the public "HTTP Response Codes"
skillet. Once committed, and with a vulnerability profile that logs
informational alerts attached to the rule carrying the traffic, every HTTP
response the firewall inspects is written to its threat log.`,
	}
	cmd.AddCommand(newSignaturesListCmd(d), newSignaturesDeployCmd(d))
	return cmd
}

func newSignaturesListCmd(d *deps) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the signature catalog",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := signatures.Default()
			switch format {
			case "json":
				type row struct {
					ID   int    `json:"id"`
					Code int    `json:"code"`
					Name string `json:"name"`
				}
				rows := make([]row, len(c.Signatures))
				for i, s := range c.Signatures {
					rows[i] = row{s.ID, s.Code, s.Name}
				}
				enc := json.NewEncoder(d.io.out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"version": c.Version, "signatures": rows})
			case "table", "tsv":
				var out io.Writer = d.io.out
				tw := tabwriter.NewWriter(d.io.out, 0, 4, 2, ' ', 0)
				if format == "table" {
					out = tw
				}
				fmt.Fprintln(out, "ID\tCODE\tNAME\tSTATUS")
				for _, s := range c.Signatures {
					fmt.Fprintf(out, "%d\t%d\t%s\t%s\n", s.ID, s.Code, s.Name, http.StatusText(s.Code))
				}
				return tw.Flush()
			}
			return usagef("--format %q: want table, tsv or json", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, tsv or json")
	return cmd
}

func newSignaturesDeployCmd(d *deps) *cobra.Command {
	var conn connOptions
	var location string
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Write the signatures to a firewall, commit and wait",
		Long: `Deploy writes the 60 signatures into the candidate configuration at the
chosen location in one request, commits and waits for the commit job.
Running it again when nothing changed commits nothing.

The signatures log only through a vulnerability profile that covers severity
informational, attached to the rule that carries the traffic (usually the
catch-all).`,
		Example: `  export PANOS_API_KEY=...
  mine signatures deploy --host fw.example.net
  mine signatures deploy --host fw.example.net --location vsys:vsys2`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := parseLocation(location)
			if err != nil {
				return err
			}
			cfg, err := conn.config(d)
			if err != nil {
				return err
			}
			dep, err := signatures.Connect(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			res, err := dep.Deploy(cmd.Context(), signatures.Default(), loc)
			if err != nil {
				return err
			}
			state := "already committed, nothing to commit"
			if res.Committed {
				state = fmt.Sprintf("committed (job %d)", res.JobID)
			}
			_, err = fmt.Fprintf(d.io.out, "%d signatures at %s: %s\n", res.Set, res.Location, state)
			return err
		},
	}
	conn.register(cmd.Flags())
	cmd.Flags().StringVar(&location, "location", "shared", "where the signatures go: shared or vsys:NAME")
	return cmd
}

func parseLocation(s string) (signatures.Location, error) {
	switch {
	case s == "shared":
		return signatures.Location{}, nil
	case strings.HasPrefix(s, "vsys:") && len(s) > len("vsys:"):
		return signatures.Location{Vsys: strings.TrimPrefix(s, "vsys:")}, nil
	}
	return signatures.Location{}, usagef("--location %q: want shared or vsys:NAME", s)
}
