package signatures

import (
	"fmt"
	"io"
	"strings"
)

// Export formats.
const (
	FormatXML     = "xml"
	FormatSet     = "set"
	FormatSkillet = "skillet"
)

// Export writes the catalog for an offline or change-managed install at
// loc. Every form carries mine's marker, so a later deploy recognises the
// entries as its own.
//
//   - xml: the <entry> elements that go under threats/vulnerability, one
//     per line;
//   - set: PAN-OS CLI set commands for configure mode;
//   - skillet: a PAN-OS skillet (.meta-cnc.yaml) with one snippet.
func Export(w io.Writer, c Catalog, loc Location, format string) error {
	var err error
	switch format {
	case FormatXML:
		for _, s := range c.Signatures {
			if _, err = fmt.Fprintln(w, s.EntryXML()); err != nil {
				return err
			}
		}
	case FormatSet:
		for _, s := range c.Signatures {
			for _, line := range setCommands(loc.cliPrefix()+" threats vulnerability", mustParseEntry(s.EntryXML())) {
				if _, err = fmt.Fprintln(w, line); err != nil {
					return err
				}
			}
		}
	case FormatSkillet:
		err = writeSkillet(w, c, loc)
	default:
		return fmt.Errorf("export format %q: want xml, set or skillet", format)
	}
	return err
}

// setCommands renders one config element as CLI set commands, one per
// leaf: entries contribute their name, empty leaves (<alert/>) their own.
func setCommands(prefix string, n *xnode) []string {
	var out []string
	var walk func(path string, n *xnode)
	walk = func(path string, n *xnode) {
		word := n.name
		if n.name == "entry" {
			word = cliWord(n.attr("name"))
		}
		path += " " + word
		switch {
		case len(n.children) > 0:
			for _, c := range n.children {
				walk(path, c)
			}
		case n.text != "":
			out = append(out, path+" "+cliWord(n.text))
		default:
			out = append(out, path)
		}
	}
	walk(prefix, n)
	return out
}

// cliWord quotes a CLI argument that is not a plain word.
func cliWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'#;|\\{}[]") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func writeSkillet(w io.Writer, c Catalog, loc Location) error {
	lo, hi := c.IDRange()
	var b strings.Builder
	fmt.Fprintf(&b, "name: mine_http_status_signatures_%d\n", lo)
	fmt.Fprintf(&b, "label: HTTP status code signatures %d-%d (mine catalog %s)\n", lo, hi, c.Version)
	b.WriteString("description: |\n")
	fmt.Fprintf(&b, "  %d custom vulnerability signatures, one per HTTP response status code\n", len(c.Signatures))
	b.WriteString("  (context http-rsp-code, severity informational, action alert), written by\n")
	b.WriteString("  mine signatures export. They log only through a vulnerability profile that\n")
	b.WriteString("  alerts on informational client threats on the rule carrying the traffic\n")
	b.WriteString("  (mine signatures verify). Check that the IDs are free before loading.\n")
	b.WriteString("type: panos\n")
	b.WriteString("labels:\n  collection:\n    - mine\n")
	b.WriteString("variables: []\n")
	b.WriteString("snippets:\n")
	b.WriteString("  - name: http_status_signatures\n")
	fmt.Fprintf(&b, "    xpath: %s\n", loc.Xpath())
	b.WriteString("    element: |-\n")
	for _, s := range c.Signatures {
		b.WriteString("      " + s.EntryXML() + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
