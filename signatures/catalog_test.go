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
	var content strings.Builder
	for _, s := range c.Signatures {
		content.WriteString(s.ContentXML())
	}
	got := parseEntries(t, content.String())
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

func TestBuildSelection(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ids  []int // first, last and count checked
		n    int
	}{
		{"default", Options{}, []int{41000, 41059}, 60},
		{"classes and a code", Options{Codes: "2xx,404,5xx"}, []int{41003, 41059}, 10 + 1 + 11},
		{"range", Options{Codes: "500-503"}, []int{41049, 41052}, 4},
		{"moved block keeps offsets", Options{Codes: "200", BaseID: 42000}, []int{42003, 42003}, 1},
		{"PAN-OS 10 range", Options{BaseID: 6800001}, []int{6800001, 6800060}, 60},
		{"other codes", Options{Other: true}, []int{41000, 41060}, 61},
	}
	for _, tc := range tests {
		c, err := Build(tc.o)
		if err != nil {
			t.Errorf("%s: Build = %v", tc.name, err)
			continue
		}
		lo, hi := c.IDRange()
		if lo != tc.ids[0] || hi != tc.ids[1] || len(c.Signatures) != tc.n {
			t.Errorf("%s: IDs %d-%d, %d signatures; want %d-%d, %d", tc.name, lo, hi, len(c.Signatures), tc.ids[0], tc.ids[1], tc.n)
		}
	}
	for _, o := range []Options{{Codes: "418"}, {Codes: "6xx"}, {Codes: "x"}, {Codes: "510-509"}, {BaseID: 44990}, {BaseID: 40000}, {Scope: "packet"}, {BaseID: 6899990}} {
		if _, err := Build(o); err == nil {
			t.Errorf("Build(%+v) = nil error; want an error", o)
		}
	}
	c, err := Build(Options{Scope: "transaction", Codes: "200"})
	if err != nil || !strings.Contains(c.Signatures[0].ContentXML(), "<scope>protocol-data-unit</scope>") {
		t.Errorf("transaction scope renders %v, %v; want protocol-data-unit", c.Signatures, err)
	}
	if Default().NeedsPANOS10() {
		t.Error("NeedsPANOS10() = true for the 41000 block")
	}
	if hi, _ := Build(Options{BaseID: MinID10}); !hi.NeedsPANOS10() {
		t.Errorf("NeedsPANOS10() = false for a block at %d", MinID10)
	}
}

// The other-codes signature fires exactly on the status codes 100-599 that
// no catalog signature matches.
func TestOtherCodesSignature(t *testing.T) {
	c, err := Build(Options{Other: true})
	if err != nil {
		t.Fatal(err)
	}
	other := c.Signatures[len(c.Signatures)-1]
	if other.Name != "HTTP-other" || other.ID != 41060 || other.Code != 0 {
		t.Fatalf("last signature = %+v; want HTTP-other at 41060", other)
	}
	catalog := map[int]bool{}
	for _, s := range c.Signatures[:60] {
		catalog[s.Code] = true
	}
	for code := 0; code < 1000; code++ {
		want := code >= 100 && code <= 599 && !catalog[code]
		if got := other.Matches(code); got != want {
			t.Errorf("HTTP-other matches %d: %v; want %v", code, got, want)
		}
		for _, s := range c.Signatures[:60] {
			if s.Matches(code) != (code == s.Code) {
				t.Errorf("%s matches %d: %v", s.Name, code, s.Matches(code))
			}
		}
	}
	for _, code := range []int{418, 425, 499, 520, 599} {
		if !other.Matches(code) {
			t.Errorf("HTTP-other misses %d", code)
		}
	}
	root, err := parseXML([]byte(other.EntryXML()))
	if err != nil {
		t.Fatal(err)
	}
	ands := root.findAll("and-condition")[0].entries()
	// Runs: 100-102, 200-208, 226, 300-308, 400-417, 421-424, 426,
	// 428-429, 431, 451, 500-508, 510-511.
	if len(ands) != 2+12 {
		t.Errorf("HTTP-other has %d and-conditions; want 2 bounds and one per run of consecutive catalog codes (12)", len(ands))
	}
}

func TestMarker(t *testing.T) {
	s := Default().Signatures[3]
	m, ok := ParseMarker(s.Comment())
	if !ok || m.Version != "1" || m.Hash != s.Hash() || len(m.Hash) != 12 {
		t.Errorf("ParseMarker(%q) = %+v, %v; want catalog 1 and the content hash", s.Comment(), m, ok)
	}
	if s.Comment() != "HTTP 200 OK. Managed by mine (catalog 1, sha256 "+s.Hash()+")" {
		t.Errorf("Comment() = %q", s.Comment())
	}
	if _, ok := ParseMarker("HTTP 200 OK, installed by the skillet"); ok {
		t.Error("ParseMarker found a marker in a foreign comment")
	}
	if b, _ := Build(Options{Scope: "transaction", Codes: "200"}); b.Signatures[0].Hash() == s.Hash() {
		t.Error("the content hash ignores the scope")
	}
	if len(s.Comment()) > 255 {
		t.Errorf("comment is %d characters; PAN-OS allows 255", len(s.Comment()))
	}
}

func TestParseLocation(t *testing.T) {
	for in, want := range map[string]string{
		"shared":           "/config/shared/threats/vulnerability",
		"vsys:vsys2":       "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys2']/threats/vulnerability",
		"device-group:DG1": "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='DG1']/threats/vulnerability",
	} {
		l, err := ParseLocation(in)
		if err != nil || l.Xpath() != want || l.String() != in {
			t.Errorf("ParseLocation(%q) = %v (%s), %v; want %s", in, l, l.Xpath(), err, want)
		}
	}
	for _, in := range []string{"", "vsys:", "dg:x", "device-group:"} {
		if _, err := ParseLocation(in); err == nil {
			t.Errorf("ParseLocation(%q) = nil error", in)
		}
	}
}

// TestErrorsFrom: in the skillet's numbering (ID = 41000 + index of the
// sorted status list) HTTP-400 is 41022, and every ID from it is a status
// of 400 or more; a catalog out of status order has no such ID.
func TestErrorsFrom(t *testing.T) {
	id, ok := Default().ErrorsFrom()
	if !ok || id != 41022 {
		t.Errorf("Default().ErrorsFrom() = %d, %v; want 41022 (HTTP-400), true", id, ok)
	}
	if n := Default().Names()[41026]; n != "HTTP-404" {
		t.Errorf("Names()[41026] = %q; want HTTP-404", n)
	}
	mixed := Catalog{Signatures: []Signature{{ID: 41000, Code: 404}, {ID: 41001, Code: 200}}}
	if _, ok := mixed.ErrorsFrom(); ok {
		t.Error("ErrorsFrom of a catalog whose IDs are not in status order: ok; want false")
	}
	none := Catalog{Signatures: []Signature{{ID: 41000, Code: 200}, {ID: 41001, Code: 302}}}
	if id, ok := none.ErrorsFrom(); !ok || id != 41002 {
		t.Errorf("ErrorsFrom without error statuses = %d, %v; want 41002 (past the last), true", id, ok)
	}
}
