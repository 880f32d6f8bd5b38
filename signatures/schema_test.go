package signatures

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// specParam is one parameter of a pan-os-codegen spec: its XML path, its
// validators and what is below it.
type specParam struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	Profiles []struct {
		Xpath []string `yaml:"xpath"`
		Type  string   `yaml:"type"`
	} `yaml:"profiles"`
	Validators []struct {
		Type string `yaml:"type"`
		Spec struct {
			Min    *int64   `yaml:"min"`
			Max    *int64   `yaml:"max"`
			Values []string `yaml:"values"`
		} `yaml:"spec"`
	} `yaml:"validators"`
	Spec specBody `yaml:"spec"`
}

type specBody struct {
	Params   []specParam `yaml:"params"`
	Variants []specParam `yaml:"variants"`
	Items    *struct {
		Spec *specBody `yaml:"spec"`
	} `yaml:"items"`
}

// schemaNode is an element the schema allows, with its children and the
// validators of its value.
type schemaNode struct {
	children map[string]*schemaNode
	param    *specParam
}

func buildSchema(b specBody) *schemaNode {
	n := &schemaNode{children: map[string]*schemaNode{}}
	for _, p := range append(slices.Clone(b.Params), b.Variants...) {
		if len(p.Profiles) == 0 {
			continue
		}
		cur := n
		path := slices.Clone(p.Profiles[0].Xpath)
		if p.Profiles[0].Type == "member" {
			path = append(path, "member")
		}
		if len(path) == 0 {
			continue
		}
		for _, step := range path[:len(path)-1] {
			next := cur.children[step]
			if next == nil {
				next = &schemaNode{children: map[string]*schemaNode{}}
				cur.children[step] = next
			}
			cur = next
		}
		sub := p.Spec
		if sub.Items != nil && sub.Items.Spec != nil {
			sub = *sub.Items.Spec
		}
		leaf := buildSchema(sub)
		p := p
		leaf.param = &p
		cur.children[path[len(path)-1]] = leaf
	}
	return n
}

// loadSchema reads a recorded spec (testdata/real/schema).
func loadSchema(t *testing.T, file string) *schemaNode {
	t.Helper()
	b, err := os.ReadFile("../testdata/real/schema/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Spec specBody `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return buildSchema(doc.Spec)
}

// at returns the schema node of a path of element names.
func (s *schemaNode) at(path ...string) *schemaNode {
	for _, p := range path {
		if s == nil {
			return nil
		}
		s = s.children[p]
	}
	return s
}

// limits returns the min and max of a value's length validator.
func (s *schemaNode) limits() (lo, hi int64, ok bool) {
	if s == nil || s.param == nil {
		return 0, 0, false
	}
	for _, v := range s.param.Validators {
		if v.Type == "length" && v.Spec.Max != nil {
			if v.Spec.Min != nil {
				lo = *v.Spec.Min
			}
			return lo, *v.Spec.Max, true
		}
	}
	return 0, 0, false
}

// conform checks every element below n against the schema node: each
// must be allowed there, integer values within the length validator,
// values within the allowed ones.
func conform(t *testing.T, what string, n *xnode, s *schemaNode, path string) {
	t.Helper()
	for _, c := range n.children {
		cs := s.at(c.name)
		if cs == nil {
			t.Errorf("%s: %s/%s is not in the schema", what, path, c.name)
			continue
		}
		if len(c.children) == 0 && c.text != "" && cs.param != nil {
			for _, v := range cs.param.Validators {
				switch v.Type {
				case "values":
					if !slices.Contains(v.Spec.Values, c.text) {
						t.Errorf("%s: %s/%s = %q, not one of %v", what, path, c.name, c.text, v.Spec.Values)
					}
				case "length":
					if cs.param.Type == "int64" && v.Spec.Max != nil {
						n, err := strconv.ParseInt(c.text, 10, 64)
						if err != nil || n > *v.Spec.Max || (v.Spec.Min != nil && n < *v.Spec.Min) {
							t.Errorf("%s: %s/%s = %q, outside %v-%d", what, path, c.name, c.text, v.Spec.Min, *v.Spec.Max)
						}
					}
				}
			}
		}
		conform(t, what, c, cs, path+"/"+c.name)
	}
}

// The XML mine writes is shaped as the PAN-OS schema says, and mine's
// limits are the schema's: the combination signature, the threat
// exceptions of protect and block, what a retirement writes on a rule and
// the tag it creates.
func TestWrittenXMLFollowsTheSchema(t *testing.T) {
	vuln := loadSchema(t, "pan-os-codegen-objects-custom-vulnerability.yaml")
	b := BlockSignature{ID: 41090, Interval: 60, Threshold: 9, Duration: 3600, Child: NotFoundID}
	conform(t, "combination signature", mustParseEntry(b.EntryXML()), vuln, "entry")
	for _, tc := range []struct {
		path []string
		max  int64
	}{
		{[]string{"signature", "combination", "time-attribute", "interval"}, maxComboInterval},
		{[]string{"signature", "combination", "time-attribute", "threshold"}, maxComboThreshold},
		{[]string{"default-action", "block-ip", "duration"}, MaxBlockDuration},
	} {
		if lo, hi, ok := vuln.at(tc.path...).limits(); !ok || lo != 1 || hi != tc.max {
			t.Errorf("schema limits of %s = %d-%d (%v); mine uses 1-%d", strings.Join(tc.path, "/"), lo, hi, ok, tc.max)
		}
	}
	for _, bad := range []BlockSignature{{Interval: 60, Threshold: 256, Duration: 60}, {Interval: 3601, Threshold: 9, Duration: 60}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil; the schema refuses it", bad)
		}
	}

	prof := loadSchema(t, "pan-os-codegen-profiles-vulnerability.yaml")
	x := prof.at("threat-exception", "entry")
	conform(t, "block-ip exception", mustParseEntry(b.exceptionXML()), x, "threat-exception/entry")
	for _, a := range ResetActions {
		conform(t, a+" exception", mustParseEntry(fmt.Sprintf(`<entry name="41049"><action><%s/></action><packet-capture>disable</packet-capture></entry>`, a)), x, "threat-exception/entry")
	}
	if prof.at("description") == nil || prof.at("rules", "entry") == nil {
		t.Error("the profile schema has no description or rules: the clone keeps both")
	}

	rule := loadSchema(t, "pan-os-codegen-policies-security-policy-rule.yaml")
	for _, el := range []string{"<disabled>yes</disabled>", "<tag><member>legacy</member><member>mine-retired</member></tag>", "<description>x</description>"} {
		n := mustParseEntry(el)
		conform(t, "retired rule", &xnode{children: []*xnode{n}}, rule, "entry")
	}
	if _, hi, ok := rule.at("description").limits(); !ok || hi != maxDescription {
		t.Errorf("schema limit of a rule description = %d (%v); mine uses %d", hi, ok, maxDescription)
	}
	tag := loadSchema(t, "pan-os-codegen-objects-administrative-tag.yaml")
	conform(t, "tag object", mustParseEntry(`<entry name="mine-retired"><color>color6</color><comments>catch-all rules mine retired</comments></entry>`), tag, "entry")
}
