// Package signatures owns the HTTP status code signatures: the catalog of
// custom vulnerability signatures (one per status code, context
// http-rsp-code, severity informational, action alert; embedded and
// versioned, with subsets, a movable ID block, session or transaction scope
// and an opt-in range signature for the other codes), and their safe,
// idempotent life on a firewall or Panorama:
//
//   - Preflight reads every custom vulnerability signature (shared, every
//     vsys or device group, what Panorama pushed to a firewall); Plan
//     classifies each wanted ID as free, mine's and identical, mine's and
//     different, or taken. mine recognises its entries by a marker in the
//     comment (catalog version and content hash).
//   - Deploy, Remove and Attach apply a plan only when nothing conflicts and
//     no other administrator holds a lock, commit only the API user's
//     changes and only when something changed, wait for the job with a
//     deadline, and on Panorama push the device groups and report every
//     firewall.
//   - Verify tells whether the signatures would be logged on a rule (the
//     profile it reaches, the profile's first matching rule, threat
//     exceptions, server response inspection); PlanAttach/Attach clone the
//     rule's profile with an alert rule added, so nothing is weakened.
//   - Export renders the configuration as XML, set commands or a skillet.
//   - Acting on the evidence (act.go): PlanProtect clones a rule's
//     profile with a reset exception per status ID, PlanBlock deploys the
//     scanner-blocking combination signature on HTTP-404 with block-ip
//     through a threat exception, PlanRetire disables, tags and annotates
//     the catch-all. Each plan lists the exact XML of every element before
//     and after; ApplyAct writes them in one commit (and push), putting
//     back what it wrote when a write or the commit fails, and
//     PlanRestore puts back exactly what a plan replaced, refusing when
//     the device changed since.
//
// It talks to devices through internal/xapi (pango). It must not import
// collect, correlate, report, history, panosim or cobra.
package signatures
