package signatures

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed catalog.json
var catalogJSON []byte

// Signature is one custom vulnerability signature that logs one HTTP
// response status code.
type Signature struct {
	ID   int    // threat ID, the config entry name
	Code int    // HTTP status code matched on context http-rsp-code
	Name string // threat name, "HTTP-<code>"
}

// Catalog is an ordered set of signatures with a version.
type Catalog struct {
	Version    string
	Signatures []Signature
}

// Default returns the built-in catalog: the 60 codes of the public HTTP
// Response Codes skillet with threat IDs 41000-41059 in the skillet's order.
func Default() Catalog {
	c, err := parseCatalog(catalogJSON)
	if err != nil {
		panic("signatures: embedded catalog: " + err.Error())
	}
	return c
}

func parseCatalog(b []byte) (Catalog, error) {
	var doc struct {
		Version string `json:"version"`
		BaseID  int    `json:"base_id"`
		Codes   []int  `json:"codes"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Catalog{}, fmt.Errorf("parse catalog: %w", err)
	}
	if doc.BaseID < 41000 || doc.BaseID+len(doc.Codes)-1 > 45000 {
		return Catalog{}, fmt.Errorf("parse catalog: IDs %d-%d outside the custom vulnerability range 41000-45000", doc.BaseID, doc.BaseID+len(doc.Codes)-1)
	}
	c := Catalog{Version: doc.Version}
	seen := map[int]bool{}
	for i, code := range doc.Codes {
		if code < 100 || code > 599 || seen[code] {
			return Catalog{}, fmt.Errorf("parse catalog: code %d invalid or repeated", code)
		}
		seen[code] = true
		c.Signatures = append(c.Signatures, Signature{ID: doc.BaseID + i, Code: code, Name: fmt.Sprintf("HTTP-%d", code)})
	}
	return c, nil
}

// IDRange returns the lowest and highest threat ID of the catalog.
func (c Catalog) IDRange() (lo, hi int) {
	for i, s := range c.Signatures {
		if i == 0 || s.ID < lo {
			lo = s.ID
		}
		if s.ID > hi {
			hi = s.ID
		}
	}
	return lo, hi
}

// EntryXML renders the config entry of one signature, as it goes under
// …/threats/vulnerability.
func (s Signature) EntryXML() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<entry name="%d">`, s.ID)
	fmt.Fprintf(&b, `<signature><standard><entry name="%s">`, s.Name)
	b.WriteString(`<and-condition><entry name="And Condition 1"><or-condition><entry name="Or Condition 1"><operator><equal-to>`)
	fmt.Fprintf(&b, `<value>%d</value><context>http-rsp-code</context>`, s.Code)
	b.WriteString(`</equal-to></operator></entry></or-condition></entry></and-condition>`)
	b.WriteString(`<order-free>yes</order-free><scope>session</scope></entry></standard></signature>`)
	b.WriteString(`<default-action><alert/></default-action>`)
	fmt.Fprintf(&b, `<threatname>%s</threatname>`, s.Name)
	b.WriteString(`<severity>informational</severity><direction>server2client</direction>`)
	b.WriteString(`<affected-host><client>yes</client></affected-host>`)
	b.WriteString(`</entry>`)
	return b.String()
}

// ElementXML renders every entry of the catalog, concatenated: the element
// of a config set at the threats/vulnerability container.
func (c Catalog) ElementXML() string {
	var b strings.Builder
	for _, s := range c.Signatures {
		b.WriteString(s.EntryXML())
	}
	return b.String()
}
