package mine

import (
	"slices"
	"time"
)

// Rule is one security rule, with the fields the analysis needs. List fields
// hold the member values as configured ("any" is kept as the single member
// "any").
type Rule struct {
	Name     string
	UUID     string
	Position int // 0-based position in evaluation order
	// Location says where the rule lives: "vsys1"; on Panorama
	// "shared/pre", "DG-Berlin/pre", "DG-Berlin/post", "shared/post"; on a
	// managed firewall what Panorama pushed, "panorama/pre" and
	// "panorama/post"; "default" for the two default rules.
	Location string
	// Scope is the object scope the rule's names resolve in first (see
	// Policy.Scopes).
	Scope       string
	Description string
	Tags        []string

	// RuleType is universal (the default), intrazone or interzone.
	RuleType          string
	From              []string
	To                []string
	Source            []string
	Destination       []string
	NegateSource      bool
	NegateDestination bool
	SourceUser        []string
	// Category is the URL category list.
	Category       []string
	SourceHIP      []string
	DestinationHIP []string
	Application    []string
	Service        []string
	Schedule       string
	Action         string // allow, deny, drop, reset-client, reset-server, reset-both
	Disabled       bool
	// Target limits a Panorama rule to some firewalls (serials); with
	// NegateTarget to all but those. Empty means every firewall.
	Target       []string
	NegateTarget bool

	ProfileGroup          []string
	VulnerabilityProfiles []string
	// DisableServerResponseInspection is the rule option that turns off
	// server-to-client inspection, which silences the HTTP status signatures.
	DisableServerResponseInspection bool
}

// IsAny reports whether a member list means "any" (absent or the single
// member "any").
func IsAny(members []string) bool {
	return len(members) == 0 || (len(members) == 1 && members[0] == "any")
}

// AllowsAnyApplication reports whether the rule is an enabled allow rule for
// every application: the shape of a port-based catch-all.
func (r *Rule) AllowsAnyApplication() bool {
	return !r.Disabled && r.Action == "allow" && IsAny(r.Application)
}

// IsDefault reports whether the rule is one of the two default rules
// (intrazone-default, interzone-default).
func (r *Rule) IsDefault() bool { return r.Location == LocationDefault }

// LocationDefault is the Location of the default rules.
const LocationDefault = "default"

// HasTag reports whether the rule carries tag.
func (r *Rule) HasTag(tag string) bool { return slices.Contains(r.Tags, tag) }

// RuleHits is a rule's hit counter as the device reports it. A zero time means
// never (the device reports 0).
type RuleHits struct {
	Rule      string
	Vsys      string
	Serial    string // the firewall the counter belongs to, where known
	HitCount  uint64
	FirstHit  time.Time
	LastHit   time.Time
	LastReset time.Time
	Created   time.Time
	Modified  time.Time
}
