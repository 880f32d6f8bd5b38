// Package panosim is an in-process simulator of the XML API of a PAN-OS
// firewall, or of a Panorama managing simulated firewalls.
//
// A Server is an http.Handler that answers the requests pango and mine send
// to a firewall (keygen, op commands, config get/show/set/edit/delete/move/
// rename, commit and job status, log query jobs, rule hit counts) with
// responses shaped like a real PA-VM running PAN-OS 10.2 (see
// shared/docs/panos-xmlapi.md and the recorded answers in testdata/real).
//
// Behind it sits a deterministic, seeded traffic model: clients in a trust
// zone (10.1.0.0/16), servers in a dmz (10.20.0.0/16), the internet, a vsys1
// rulebase ending in the port-based catch-all rule Allow-Web-Ports, App-ID
// rules above it, scanners, broken links and failing servers. Advance moves
// the scenario clock; the sessions of that period are matched first-match
// against the running configuration at their start, so committed changes
// decide which rule carries each session, whether it is logged, and whether
// its HTTP responses produce threat logs. A THREAT log (subtype
// vulnerability) exists only when a committed custom vulnerability signature
// matches the status on context http-rsp-code, the carrying rule's
// vulnerability profile alerts on it (severity, host, threat exceptions; the
// predefined "default" profile does not cover informational, "strict" does),
// the rule does not disable server response inspection, and the application
// is decoded HTTP (not ssl or ssh).
//
// # Threat actions
//
// A vulnerability profile decides what each matching signature does: a
// threat exception for its ID first, then the first rule covering it
// (severity, host, threat name), action default meaning the signature's
// own. Every action but allow writes a THREAT log with that action. Alert
// lets the response through. Drop, reset-client, reset-server, reset-both
// and block-ip keep the response from the client (ClientView counts it as
// reset): the session ends there, the requests it would still have made
// are not made, and its TRAFFIC log says action allow, session end reason
// threat (as a real device logs a session a security profile ended).
// Block-ip also puts the source (track-by source) or the source and
// destination pair (source-and-destination) on the block list for its
// duration: the packets of its sessions are dropped before policy, with no
// log and no hit count, and a response of a session already open is
// dropped too; the entry expires after the duration.
//
// A combination signature (signature/combination: time-attribute with
// interval 1-3600 s, threshold 1-255, track-by source, destination or
// source-and-destination; and-condition/or-condition/threat-id children)
// counts the detections of its children (any action the profile gives
// them, allow included) on sessions whose rule's profile covers the
// combination, per tracked key; when threshold hits fall within interval
// it writes its own THREAT log with the profile's action for it (block-ip
// from a threat exception, or its default action) and starts counting
// again. All the children of all conditions count alike (and-conditions
// are not modelled). A commit fails on a combination or block-ip value
// outside those ranges, or a child custom ID that does not exist.
//
// Options.Probers plants extra sources asking one server for missing
// pages at a steady pace, one request per session: a slow scanner (many
// distinct paths) or a busy client polling a broken URL, to test a 404
// threshold against.
//
// Administration is shared, as on a real device: several administrators
// (AddAdmin) each with an API key; config and commit locks (show/request
// config-lock and commit-lock, LockConfig, LockCommits) that stop other
// administrators' changes and commits; and partial commits by
// administrator (<partial><admin>), which apply only those administrators'
// changes, in order, to the running configuration while the others' stay
// pending. The predefined vulnerability profiles live in /config/predefined.
// Plant puts configuration in place as if committed long ago (foreign
// signatures in the ID range, profiles, rules); FailNextCommit injects a
// commit failure.
//
// With Options.Panorama the Server is a Panorama: shared and device group
// configuration (objects, custom signatures, pre- and post-rulebases), each
// group managing full simulated firewalls (Firewalls) whose catch-all comes
// from the post-rulebase of the group's top-level ancestor (groups may have
// parents, DeviceGroupOptions.Parent, kept at /config/readonly/devices/
// entry[@name='localhost.localdomain']/device-group/entry[@name]/
// {parent-dg,id}). A commit-all of a device group pushes Panorama's running
// configuration to each firewall of the group and of its descendants, whose
// policy then evaluates pushed pre-rules, local rules and pushed
// post-rules (see Security policy); show config pushed-shared-policy
// answers what was pushed, and the firewall's own configuration does not
// contain it; the job
// reports every firewall's result (FailNextPush and SetConnected make one
// fail; the job's own result stays OK, as real Panoramas have been seen to
// report). Requests with target=<serial> are answered by that firewall; log
// queries without a target are answered from every connected firewall, each
// entry carrying its serial and device name; show rule-hit-count of a device
// group answers per firewall under device-vsys; show devices lists the
// firewalls. NewHAPair makes two firewalls an active/passive pair whose
// members answer show high-availability state with each other's management
// address; only the active one carries traffic, and configuration is not
// synchronised between them.
//
// WithFaults puts a fault front before a simulator: job latency and page
// cost; resets, 503 pages and session timeouts; answers lost after the
// device did the work, slow final pages; duplicate, repeated, out-of-range,
// filter-mismatching and unreadable entries and short pages; HTML or empty
// answers to named requests. TimeZoneUnset leaves the configured zone out
// while the clock keeps it. LogKeys, ServedKeys and LogQueries are the
// store's truth for a window, the record of what pages carried and the
// count of queries, for tests to compare a collection against.
//
// # Reports and job latency
//
// type=report runs ad-hoc custom reports over the detailed threat and
// traffic logs (reporttype=dynamic&reportname=custom-dynamic-report, the
// definition in cmd): rows aggregated by the aggregate-by columns, values
// summed, the topn largest by sortby (or topm groups of topn with
// group-by), as a job polled with action=get (report.go lists the
// columns, values and limits). Options.Latency gives log query and report
// jobs a cost on a wall clock that grows with the entries a job reads or
// summarises (DefaultLatency is the scale benchmark's); JobRecords is the
// job clock's account of each job. Options.Replicas multiplies the log
// volume: every stored record is served that many times under its own
// sequence number.
//
// Truth exposes the planted ground truth (which services sit behind the
// catch-all, which sources scan, which URLs are broken), so the analysis can
// be measured by precision and recall instead of by its own output.
//
// # Security policy
//
// A firewall evaluates, first match wins: the pre-rules Panorama pushed,
// vsys1's rules, the pushed post-rules, then intrazone-default (allow) and
// interzone-default (deny). Under Panorama the pushed pre-rules are shared's,
// then each ancestor device group's (top-level first), then the firewall's
// group's; the post-rules the group's, its ancestors' (nearest first), then
// shared's. Disabled rules are skipped. A rule matches when every condition
// holds:
//   - rule-type: universal (from and to), intrazone (same zone, in from; to
//     is ignored), interzone (different zones, in from and to);
//   - source/destination members, negate-source/negate-destination: address
//     objects (ip-netmask host or CIDR, IPv4 and IPv6; ip-range;
//     ip-wildcard, whose mask bits set are "don't care"; fqdn, resolved from
//     the device's DNS table, SetFQDN), static groups (nested, literal
//     members accepted), dynamic groups (<dynamic><filter>: quoted or bare
//     tags, and/or in either case, parentheses, and binding tighter than
//     or), whose members are the address objects of the rule's scope chain
//     carrying matching tags plus the IP addresses registered with matching
//     tags (looked up per session, so registrations need no commit), or
//     literal addresses;
//   - source-user: user names (case-insensitive), any, known-user, unknown;
//     groups are not modelled and pre-logon matches nothing. Sessions carry
//     the User-ID mapping of their source (MapUser, type=user-id login);
//   - category: predefined URL categories or custom ones
//     (profiles/custom-url-category list members: host or *.domain); only
//     traffic with a URL has a category: HTTP sessions and TLS sessions
//     (their server name); a server with a private address is
//     private-ip-addresses, the model's internet sites have their own;
//   - application: applications, application groups (nested), application
//     filters (category, subcategory, technology, risk lists; characteristic
//     flags evasive, excessive-bandwidth-use, used-by-malware,
//     transfers-files, has-known-vulnerabilities, tunnels-other-apps,
//     prone-to-misuse, pervasive, is-saas; tagging/tag; exclude) over the
//     predefined catalog at /config/predefined/application and custom
//     applications; containers and implicit applications are not modelled;
//   - service: any, application-default (a default/port member of the
//     session's application: "tcp/80,8080", ranges, "dynamic" = any port),
//     service objects (protocol/{tcp,udp,sctp}/port lists and ranges,
//     optional source-port), nested service groups, the predefined
//     service-http (tcp/80,8080) and service-https (tcp/443) at
//     /config/predefined/service;
//   - schedule: schedule-type/recurring/daily and .../weekly/<day> members
//     "hh:mm-hh:mm" (inclusive of their last minute; an end before the start
//     fails the commit, overnight ranges are two ranges), non-recurring
//     members "YYYY/MM/DD@hh:mm-YYYY/MM/DD@hh:mm"; evaluated at the session
//     start on the scenario clock in the device zone.
//
// Names resolve in scope chains, first match wins: a rule of vsys1 in
// vsys1, shared, then the pushed objects; a pushed rule in the pushed
// objects, vsys1, shared; on Panorama a device group's rule in the group,
// its ancestors (nearest first), then shared. The pushed objects merge
// shared and the group's lineage, a descendant's entry replacing an
// ancestor's of the same name (PAN-OS's default, without "ancestor objects
// take precedence"). A name that resolves nowhere, a filter that does not
// parse, a bad port list or time range, an unknown application or URL
// category, or an invalid action or rule-type fails the commit with a
// message naming the rule, the field and the member.
//
// Default rule overrides live at rulebase/default-security-rules/rules/
// entry[@name] (vsys1) and post-rulebase/default-security-rules/rules/
// entry[@name] (Panorama shared and device groups; the nearest group wins):
// action, log-end (yes when the entry omits it, as the schema defaults it;
// without an override the default rules do not log) and profile-setting. A
// pushed override wins over the firewall's own.
//
// The ObjectPolicy scenario (Options.ObjectPolicy) rewrites the rulebase
// with these objects, in this order: Block-Known-Bad (nested static group),
// Allow-DNS and Allow-Internet-Web (a group of IPv4 and IPv6 objects, an
// application group), Allow-Tagged-Web (dynamic group "'web' and ('prod'
// or 'staging')" with the application filter af-browser-apps, technology
// browser-based and risk 1-3, on application-default), Allow-Dev-Tools (a
// nested application group jenkins + gitlab on application-default),
// Allow-Intranet-Wiki (an fqdn object), Allow-Intranet-Portal,
// Allow-Legacy-FTP (disabled), Allow-Vault-TLS and Allow-CI-Alt-Port (the
// service tcp-8080, whose port is 8443), Allow-Ops-Users (some users of a
// service only), Allow-Zone-Internal (intrazone, naming trust and dmz),
// Allow-Reports-NonGuest (negated group of an ip-range and an ip-wildcard),
// the catch-all Allow-Web-Ports (now trust to dmz) and a cleanup rule
// Deny-All-Log. Catch-all services play the traps' roles: one sits behind
// Allow-CI-Alt-Port on port 8080 and stays behind the catch-all, one is
// registered with web and prod, one with web only, one's address object is
// tagged web and staging on a non-default port, and so on. About seven in
// eight clients get a user name (corp\first.last). Truth is computed on the
// initial policy for every client of every service, so a service whose
// clients split between a rule and the catch-all appears in both lists
// with the clients of each, and Truth.ObjectPolicy is set. With Panorama
// the generic rules live in device groups (Block-Known-Bad, Allow-DNS, the
// catch-all and the cleanup in each top-level group; Allow-Internet-Web,
// Allow-Tagged-Web and Allow-Dev-Tools in the groups that manage
// firewalls), their objects in shared and the groups, and the
// server-specific rules on each firewall; the evaluation order is the same.
//
// # User-ID, registered IPs, policy tests
//
// type=user-id takes <uid-message><version>1.0</version><type>update</type>
// <payload> with register and unregister (<entry ip persistent><tag><member
// timeout>), login and logout (<entry name ip timeout>, minutes). It
// answers result/uid-response/payload; entries that fail come back in an
// error answer, msg/line/uid-response/payload/<op>/entry[@ip,@message], the
// message ending "already exists, ignore" or "does not exist, ignore".
// <show><object><registered-ip> with <all/>, <ip>, or <tag><entry name/>
// answers result/entry[@ip,@from_agent,@persistent]/tag/member[@timeout,
// seconds left] then result/count. <show><user><ip-user-mapping> with <all/>
// or <ip> answers result/entry/{ip,vsys,type,user,idle_timeout,max_timeout}
// then count (these field names are the simulator's guess).
//
// <test><security-policy-match> takes from, to, source, destination,
// protocol (number), destination-port, source-port, application,
// source-user, category and show-all; source, destination and protocol are
// required. It answers result/rules/entry[@name] with index (1-based
// evaluation position), from, source, source-region, to, destination,
// destination-region, user, source-device, destination-device, category,
// application, service, action, icmp-unreachable and terminal, lists
// rendered as the CLI prints them (one member, or "[ a b ]"); with show-all
// every matching rule in order, down to the default rule. A criterion the
// command does not give is unknown, not a wildcard: an unknown user matches
// only source-user any or unknown, an unknown URL category only category
// any, an unknown application only application any (never
// application-default), an unknown destination port only service any, an
// unknown source port only services without source-port. Missing zones
// are derived from the interfaces' subnets (the longest prefix), else the
// zone of the interface with a public address, where the default route
// points. Schedules are evaluated at the device clock. An answer without a
// rule is <result/> (the default rules always match, so only
// SetPolicyMatchOverride produces it). Panorama answers with target=serial;
// without a target the command is unexpected.
//
// # Sources of the policy shapes
//
// Element names of objects, rules and overrides: the recorded PAN-OS 10.0.5
// configuration schema and configurations in testdata/real/policy (see
// its MANIFEST); the readonly parent-dg path: a recorded Panorama 10.0
// configuration there; the pushed-shared-policy answer: a recorded PAN-OS
// 11.1.6 answer there (policy@{cfg-version,detail-version,urldb,dg-ctxt},
// shared, panorama, rules with panorama="true" and loc on every element);
// the predefined application elements: pan-os-php's AppStore reader of a
// device's predefined content (lib/object-classes/AppStore.php at
// 1c5e3f80: category, subcategory, technology, risk, default/port/member,
// ident-by-ip-protocol, the characteristic elements, is-saas) and the
// schema's custom application; registered-ip: pan-python's live test
// (tests/test_xapi_fw_tgt_pano_user_id.py at e9c9c647: result/entry[@ip])
// and minemeld-core (minemeld/ft/dag.py, dag_ng.py: result/entry[@ip]/tag/
// member, the tag filter, the "already exists, ignore" and "does not
// exist, ignore" messages), demisto's Panorama integration (the same
// messages inside msg/line/uid-response/payload/register/entry); the
// uid-message: pan-os-python's tests/test_userid.py and pan-python's test;
// test security-policy-match: demisto's Panorama.py (reads
// result/rules/entry @name, from, source, to, destination, category,
// action; "The query did not match a Security policy" when result is
// empty) and pan-os-ansible's panos_match_rule.py (older answers
// <entry>name; index: N</entry> and an 8.1 CLI-text answer whose fields,
// from source source-region to destination destination-region user
// category application/service action icmp-unreachable terminal, the entry
// mirrors as elements); application default ports and attributes: the
// simulator's catalog, following the public application descriptions, with
// the default ports of the model's internal applications its own choice.
//
// Simplifications worth knowing:
//   - Log times have one-second resolution in the device zone; receive_time
//     equals time_generated. Query time literals compare against the device
//     wall clock, so during the repeated hour of a DST change a window
//     matches both occurrences (clients dedupe on serial and seqno).
//   - A log query's result is fixed when it is submitted.
//   - Hit counts are kept per rule UUID and counted when a session ends (or
//     is denied), at the second of its traffic log, so hit counts and traffic
//     logs agree exactly. The two default rules do not log unless an
//     override says so.
//   - A commit fails (job result FAIL, running config unchanged) on the
//     reference and value errors above, a zone that does not exist, a
//     custom vulnerability ID outside 41000-45000 and 6800001-6900000, or a
//     threat exception for a custom ID that does not exist. Panorama does
//     not check zones (templates are not modelled).
//   - A partial commit that names no administrator (vsys, device group,
//     exclusions) commits everything.
//   - A session's rule is decided at its start, with the URL category of its
//     host (a device may re-match once it sees the URL).
//   - A push of a device group reaches the firewalls of its descendants too.
//   - misc carries host/path?query without the port of the Host header.
//
// panosim is an independent oracle: it uses the standard library only (it
// may import the root package for constants), must never import collect,
// correlate or pango, and shares no XML structs with any other package, or a
// bug on one side would hide the same bug on the other. Non-test files never
// import testing, because the demo links this package.
package panosim
