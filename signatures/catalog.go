package signatures

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

//go:embed catalog.json
var catalogJSON []byte

// Custom vulnerability threat ID ranges. The second one exists from PAN-OS
// 10.0.
const (
	MinID   = 41000
	MaxID   = 45000
	MinID10 = 6800001
	MaxID10 = 6900000
)

// Scopes of a signature: a whole session, or one request/response
// transaction (the GUI's "Transaction", protocol-data-unit in config).
const (
	ScopeSession     = "session"
	ScopeTransaction = "protocol-data-unit"
)

// Cond is one condition of a signature on context http-rsp-code.
type Cond struct {
	Op    string // equal-to, less-than or greater-than
	Value int
}

// Signature is one custom vulnerability signature that logs HTTP response
// status codes: one code, or (the opt-in "other" signature) every code
// outside the catalog.
type Signature struct {
	ID    int    // threat ID, the config entry name
	Code  int    // the status code matched; 0 for the range signature
	Name  string // threat name: "HTTP-<code>", or "HTTP-other"
	Scope string // ScopeSession or ScopeTransaction
	// And holds the conditions: every and-condition needs one of its
	// or-conditions to match.
	And [][]Cond
	// Version is the catalog version, written into the marker.
	Version string
}

// Catalog is an ordered set of signatures with a version.
type Catalog struct {
	Version    string
	Signatures []Signature
}

// catalogDoc is the embedded catalog file.
type catalogDoc struct {
	Version string `json:"version"`
	BaseID  int    `json:"base_id"`
	Codes   []int  `json:"codes"`
}

// Options select and place the signatures of the embedded catalog.
type Options struct {
	// Codes selects a subset: a comma-separated list of codes (404),
	// classes (2xx) and ranges (500-504). Empty selects every code.
	Codes string
	// BaseID moves the block: a code keeps its offset in the catalog, so
	// HTTP-200 is always BaseID+3. 0 keeps the catalog's 41000.
	BaseID int
	// Scope is "session" (default) or "transaction".
	Scope string
	// Other adds one signature for every status code 100-599 outside the
	// catalog, built from range conditions, at the ID after the block.
	Other bool
}

// Default returns the built-in catalog: the 60 codes of the public HTTP
// Response Codes skillet with threat IDs 41000-41059 in the skillet's order.
func Default() Catalog {
	c, err := Build(Options{})
	if err != nil {
		panic("signatures: embedded catalog: " + err.Error())
	}
	return c
}

// Build returns the embedded catalog selected and placed as o says. It
// fails on a malformed selection, an unknown scope, or IDs outside the
// custom vulnerability ranges.
func Build(o Options) (Catalog, error) {
	doc, err := parseCatalogDoc(catalogJSON)
	if err != nil {
		return Catalog{}, err
	}
	return doc.build(o)
}

func parseCatalogDoc(b []byte) (catalogDoc, error) {
	var doc catalogDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("parse catalog: %w", err)
	}
	seen := map[int]bool{}
	for _, code := range doc.Codes {
		if code < 100 || code > 599 || seen[code] {
			return doc, fmt.Errorf("parse catalog: code %d invalid or repeated", code)
		}
		seen[code] = true
	}
	if doc.Version == "" || len(doc.Codes) == 0 {
		return doc, fmt.Errorf("parse catalog: no version or no codes")
	}
	return doc, nil
}

// parseCatalog parses a catalog file with its own base ID.
func parseCatalog(b []byte) (Catalog, error) {
	doc, err := parseCatalogDoc(b)
	if err != nil {
		return Catalog{}, err
	}
	return doc.build(Options{})
}

func (doc catalogDoc) build(o Options) (Catalog, error) {
	base := doc.BaseID
	if o.BaseID != 0 {
		base = o.BaseID
	}
	scope := ScopeSession
	switch o.Scope {
	case "", "session":
	case "transaction", ScopeTransaction:
		scope = ScopeTransaction
	default:
		return Catalog{}, fmt.Errorf("scope %q: want session or transaction", o.Scope)
	}
	want, err := selectCodes(o.Codes, doc.Codes)
	if err != nil {
		return Catalog{}, err
	}
	c := Catalog{Version: doc.Version}
	for i, code := range doc.Codes {
		if want != nil && !want[code] {
			continue
		}
		c.Signatures = append(c.Signatures, Signature{
			ID: base + i, Code: code, Name: fmt.Sprintf("HTTP-%d", code), Scope: scope,
			And: [][]Cond{{{Op: "equal-to", Value: code}}}, Version: doc.Version,
		})
	}
	if o.Other {
		c.Signatures = append(c.Signatures, Signature{
			ID: base + len(doc.Codes), Name: "HTTP-other", Scope: scope,
			And: otherConds(doc.Codes), Version: doc.Version,
		})
	}
	if len(c.Signatures) == 0 {
		return Catalog{}, fmt.Errorf("codes %q select no signature", o.Codes)
	}
	lo, hi := c.IDRange()
	if !(lo >= MinID && hi <= MaxID) && !(lo >= MinID10 && hi <= MaxID10) {
		return Catalog{}, fmt.Errorf("threat IDs %d-%d are outside the custom vulnerability ranges %d-%d and %d-%d (PAN-OS 10.0+)",
			lo, hi, MinID, MaxID, MinID10, MaxID10)
	}
	return c, nil
}

// selectCodes parses a code selection against the catalog's codes; nil
// selects all.
func selectCodes(spec string, codes []int) (map[int]bool, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "all" {
		return nil, nil
	}
	want := map[int]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		lo, hi := 0, 0
		switch {
		case len(item) == 3 && item[1:] == "xx" && item[0] >= '1' && item[0] <= '5':
			lo = int(item[0]-'0') * 100
			hi = lo + 99
		case strings.Contains(item, "-"):
			a, b, _ := strings.Cut(item, "-")
			var err1, err2 error
			lo, err1 = strconv.Atoi(a)
			hi, err2 = strconv.Atoi(b)
			if err1 != nil || err2 != nil || lo > hi {
				return nil, fmt.Errorf("codes: %q is not a range like 500-504", item)
			}
		default:
			n, err := strconv.Atoi(item)
			if err != nil {
				return nil, fmt.Errorf("codes: %q is not a code (404), class (2xx) or range (500-504)", item)
			}
			lo, hi = n, n
			if !slices.Contains(codes, n) {
				return nil, fmt.Errorf("codes: %d is not in the catalog; the opt-in other-codes signature covers codes outside it", n)
			}
		}
		found := false
		for _, c := range codes {
			if c >= lo && c <= hi {
				want[c] = true
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("codes: %q selects no code of the catalog", item)
		}
	}
	return want, nil
}

// otherConds builds the conditions matching every code 100-599 that is not
// in codes: above 99, below 600, and outside each run of consecutive
// catalog codes.
func otherConds(codes []int) [][]Cond {
	sorted := slices.Clone(codes)
	slices.Sort(sorted)
	and := [][]Cond{{{Op: "greater-than", Value: 99}}, {{Op: "less-than", Value: 600}}}
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[j]+1 {
			j++
		}
		and = append(and, []Cond{{Op: "less-than", Value: sorted[i]}, {Op: "greater-than", Value: sorted[j]}})
		i = j + 1
	}
	return and
}

// Matches reports whether the signature fires on a status code.
func (s Signature) Matches(code int) bool {
	for _, ors := range s.And {
		ok := false
		for _, c := range ors {
			switch c.Op {
			case "equal-to":
				ok = ok || code == c.Value
			case "less-than":
				ok = ok || code < c.Value
			case "greater-than":
				ok = ok || code > c.Value
			}
		}
		if !ok {
			return false
		}
	}
	return len(s.And) > 0
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

// NeedsPANOS10 reports whether the IDs lie in the range PAN-OS 10.0 added.
func (c Catalog) NeedsPANOS10() bool {
	lo, _ := c.IDRange()
	return lo >= MinID10
}

// ErrorsFrom returns the first threat ID whose status is 400 or above
// when the catalog's IDs follow the status order: every ID from it on is
// an error status and none before it is. ok is false otherwise (a range
// signature, IDs out of order); a log filter cannot then tell errors by
// ID.
func (c Catalog) ErrorsFrom() (id int, ok bool) {
	s := slices.Clone(c.Signatures)
	slices.SortFunc(s, func(a, b Signature) int { return a.ID - b.ID })
	id = -1
	for i, sig := range s {
		if sig.Code == 0 || i > 0 && sig.Code < s[i-1].Code {
			return 0, false
		}
		if sig.Code >= 400 && id < 0 {
			id = sig.ID
		}
	}
	if id < 0 {
		_, hi := c.IDRange()
		return hi + 1, len(s) > 0
	}
	return id, true
}

// Names maps the catalog's threat IDs to their names.
func (c Catalog) Names() map[int]string {
	m := make(map[int]string, len(c.Signatures))
	for _, s := range c.Signatures {
		m[s.ID] = s.Name
	}
	return m
}

// ByID returns the signature with the threat ID.
func (c Catalog) ByID(id int) (Signature, bool) {
	for _, s := range c.Signatures {
		if s.ID == id {
			return s, true
		}
	}
	return Signature{}, false
}

// ContentXML renders the config entry of the signature without its
// comment: for the default catalog, exactly the skillet's entry.
func (s Signature) ContentXML() string { return s.render(false) }

// EntryXML renders the config entry mine writes under
// …/threats/vulnerability: the content plus a comment carrying mine's
// marker.
func (s Signature) EntryXML() string { return s.render(true) }

func (s Signature) render(marked bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<entry name="%d">`, s.ID)
	fmt.Fprintf(&b, `<signature><standard><entry name="%s">`, s.Name)
	b.WriteString(`<and-condition>`)
	for i, ors := range s.And {
		fmt.Fprintf(&b, `<entry name="And Condition %d"><or-condition>`, i+1)
		for j, c := range ors {
			fmt.Fprintf(&b, `<entry name="Or Condition %d"><operator><%s><value>%d</value><context>http-rsp-code</context></%s></operator></entry>`,
				j+1, c.Op, c.Value, c.Op)
		}
		b.WriteString(`</or-condition></entry>`)
	}
	b.WriteString(`</and-condition>`)
	fmt.Fprintf(&b, `<order-free>yes</order-free><scope>%s</scope></entry></standard></signature>`, s.Scope)
	b.WriteString(`<default-action><alert/></default-action>`)
	fmt.Fprintf(&b, `<threatname>%s</threatname>`, s.Name)
	b.WriteString(`<severity>informational</severity><direction>server2client</direction>`)
	b.WriteString(`<affected-host><client>yes</client></affected-host>`)
	if marked {
		fmt.Fprintf(&b, `<comment>%s</comment>`, escapeText(s.Comment()))
	}
	b.WriteString(`</entry>`)
	return b.String()
}

// Hash is the content hash of the signature (12 hex digits of SHA-256 of
// ContentXML), written into the marker.
func (s Signature) Hash() string {
	h := sha256.Sum256([]byte(s.ContentXML()))
	return hex.EncodeToString(h[:6])
}

// Comment is the entry's comment: what the signature logs, and mine's
// marker.
func (s Signature) Comment() string {
	what := "HTTP status codes outside the catalog"
	if s.Code != 0 {
		what = fmt.Sprintf("HTTP %d %s", s.Code, http.StatusText(s.Code))
	}
	return fmt.Sprintf("%s. %s", strings.TrimSpace(what), Marker{Version: s.Version, Hash: s.Hash()})
}

// Marker identifies an entry mine wrote: the catalog version and the
// content hash, carried in the entry's comment.
type Marker struct {
	Version string
	Hash    string
}

func (m Marker) String() string {
	return fmt.Sprintf("Managed by mine (catalog %s, sha256 %s)", m.Version, m.Hash)
}

var markerRE = regexp.MustCompile(`Managed by mine \(catalog ([^,()]+), sha256 ([0-9a-f]{12})\)`)

// ParseMarker finds mine's marker in a comment.
func ParseMarker(comment string) (Marker, bool) {
	m := markerRE.FindStringSubmatch(comment)
	if m == nil {
		return Marker{}, false
	}
	return Marker{Version: m[1], Hash: m[2]}, true
}

// ElementXML renders every entry of the catalog (with markers),
// concatenated: the element of a config set at the threats/vulnerability
// container.
func (c Catalog) ElementXML() string {
	var b strings.Builder
	for _, s := range c.Signatures {
		b.WriteString(s.EntryXML())
	}
	return b.String()
}
