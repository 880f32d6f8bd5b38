package signatures

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"testing"
)

// node is a generic XML element for comparing config fragments.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

func (n node) canon(b *strings.Builder, indent string) {
	fmt.Fprintf(b, "%s<%s", indent, n.XMLName.Local)
	for _, a := range n.Attrs {
		fmt.Fprintf(b, " %s=%q", a.Name.Local, a.Value)
	}
	b.WriteString(">")
	if t := strings.TrimSpace(n.Text); t != "" {
		b.WriteString(t)
	}
	b.WriteString("\n")
	for _, c := range n.Children {
		c.canon(b, indent+"  ")
	}
}

func parseEntries(t *testing.T, fragment string) []node {
	t.Helper()
	var root struct {
		Entries []node `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte("<root>"+fragment+"</root>"), &root); err != nil {
		t.Fatalf("parse fragment: %v", err)
	}
	return root.Entries
}

// The default catalog must be the skillet's set exactly: same IDs in the
// same order, same names and codes, and every field of every entry equal.
func TestDefaultCatalogMatchesSkillet(t *testing.T) {
	b, err := os.ReadFile("../testdata/real/ceskillets-codes.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := parseEntries(t, string(b))
	c := Default()
	if len(want) != 60 || len(c.Signatures) != 60 {
		t.Fatalf("skillet has %d entries, catalog %d; want 60 each", len(want), len(c.Signatures))
	}
	got := parseEntries(t, c.ElementXML())
	for i := range want {
		var w, g strings.Builder
		want[i].canon(&w, "")
		got[i].canon(&g, "")
		if w.String() != g.String() {
			t.Errorf("entry %d:\ngot\n%s\nwant\n%s", i, g.String(), w.String())
		}
		s := c.Signatures[i]
		var code int
		fmt.Sscanf(strings.TrimPrefix(s.Name, "HTTP-"), "%d", &code)
		if s.ID != 41000+i || code != s.Code {
			t.Errorf("signature %d = %+v; want ID %d and a name carrying its code", i, s, 41000+i)
		}
	}
	// spot checks from the skillet's published mapping
	for id, name := range map[int]string{41003: "HTTP-200", 41014: "HTTP-301", 41026: "HTTP-404", 41049: "HTTP-500", 41059: "HTTP-511"} {
		if got := c.Signatures[id-41000].Name; got != name {
			t.Errorf("catalog[%d] = %s; want %s", id, got, name)
		}
	}
	if lo, hi := c.IDRange(); lo != 41000 || hi != 41059 {
		t.Errorf("IDRange() = %d, %d; want 41000, 41059", lo, hi)
	}
}

func TestParseCatalogRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"not json", `{`},
		{"below range", `{"version":"x","base_id":40000,"codes":[200]}`},
		{"above range", `{"version":"x","base_id":44999,"codes":[200,201,202]}`},
		{"bad code", `{"version":"x","base_id":41000,"codes":[200,99]}`},
		{"repeated code", `{"version":"x","base_id":41000,"codes":[200,200]}`},
	}
	for _, tc := range tests {
		if _, err := parseCatalog([]byte(tc.in)); err == nil {
			t.Errorf("parseCatalog(%s) = nil error; want an error", tc.name)
		}
	}
}

func TestLocationXpath(t *testing.T) {
	if got, want := (Location{}).Xpath(), "/config/shared/threats/vulnerability"; got != want {
		t.Errorf("shared Xpath = %s; want %s", got, want)
	}
	if got, want := (Location{Vsys: "vsys2"}).Xpath(), "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys2']/threats/vulnerability"; got != want {
		t.Errorf("vsys Xpath = %s; want %s", got, want)
	}
}
