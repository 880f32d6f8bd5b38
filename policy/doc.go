// Package policy is mine's model of a PAN-OS security policy as the device
// evaluates it. It compiles a mine.Policy (rules in evaluation order, the
// objects of every scope, the applications' attributes) into a Model that
// answers:
//
//   - which rule a flow matches, first match wins (Evaluate), with a
//     three-valued answer per rule (Match): matches, does not match, or
//     depends on something mine cannot know from logs and configuration
//     (the source user's groups, the URL category, a HIP profile, a
//     schedule, the addresses behind an FQDN, a dynamic group without
//     registered IPs or an external list, a name that resolves nowhere),
//     with the reason;
//   - which rules can never match because rules above cover every flow
//     they allow (ShadowedBy);
//   - which rules are port-based, and which of them is the catch-all, by a
//     stated criterion (ChooseCatchAll, Criterion), or whether a rule the
//     user named can be one (NamedCatchAll).
//
// Names resolve in scope order: a rule's scope, then the scopes it names
// as parents, ending at shared (vsys then shared on a firewall; the device
// group, its ancestors, then shared on Panorama). Zones follow the rule
// type (universal, intrazone, interzone); negation, application groups,
// filters and containers, service objects and groups with their real
// ports, application-default from the applications' default ports, and
// Panorama target firewalls are applied as PAN-OS applies them.
//
// policy is pure like correlate: no I/O, no clock, no goroutines. It
// imports only the standard library and the root package mine.
package policy
