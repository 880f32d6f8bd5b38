-- Schema version 2: hit deltas between snapshots, the catch-all's use by
-- ordinary clients, the readiness verdicts, the app teams' findings, and
-- the views the weekly trend reads.

-- The run's verdict over all its catch-all rules: the worst of them
-- (not-ready, then insufficient-evidence, then ready); NULL when none was
-- made.
ALTER TABLE runs ADD COLUMN verdict TEXT;

-- One verdict per catch-all rule, with the criteria it was judged on.
CREATE TABLE readiness (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    rule     TEXT    NOT NULL,
    verdict  TEXT    NOT NULL, -- ready, not-ready, insufficient-evidence
    criteria TEXT    NOT NULL, -- JSON array of {name, result, evidence}
    PRIMARY KEY (run_id, rule)
);

-- Sessions of each catch-all rule in the run's window (traffic logs) that
-- did not come from scanners: the week's use by ordinary clients.
CREATE TABLE rule_sessions (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    rule_key TEXT    NOT NULL,
    rule     TEXT    NOT NULL,
    sessions INTEGER NOT NULL,
    PRIMARY KEY (run_id, rule_key)
);

-- Items for application teams: URL templates answering errors to ordinary
-- clients. team comes from the owners mapping.
CREATE TABLE findings (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL, -- broken-link, server-error, auth
    team        TEXT,
    destination TEXT    NOT NULL,
    host        TEXT    NOT NULL,
    port        INTEGER NOT NULL,
    path        TEXT    NOT NULL, -- URL template
    status      INTEGER NOT NULL,
    responses   INTEGER NOT NULL,
    sources     INTEGER NOT NULL,
    first_seen  TEXT,
    last_seen   TEXT
);
CREATE INDEX findings_by_run ON findings (run_id);

-- The hits each rule took on each device since the previous snapshot of
-- the same target and device (by collected_at). kind says how:
--   counted   the counter grew; hits is the difference
--   fresh     no earlier snapshot, but the counter started inside the
--             window (rule created, reset or first hit there): hits is
--             the whole counter
--   reset     the counter went down, or its last-reset or first-hit time
--             moved: hits counts from the reset on, and gap_from..gap_to
--             is the time whose hits were lost (the evidence gap)
--   baseline  first snapshot of an older counter: hits is NULL (unknown)
CREATE TABLE rule_deltas (
    run_id      INTEGER NOT NULL,
    serial      TEXT    NOT NULL,
    rule_key    TEXT    NOT NULL,
    rule        TEXT    NOT NULL, -- name at this run
    prev_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    since       TEXT,             -- collected_at of the previous snapshot
    until       TEXT    NOT NULL, -- collected_at of this run
    kind        TEXT    NOT NULL CHECK (kind IN ('counted', 'fresh', 'reset', 'baseline')),
    hits        INTEGER,
    gap_from    TEXT,
    gap_to      TEXT,
    reason      TEXT,             -- what gave a reset away
    PRIMARY KEY (run_id, serial, rule_key),
    FOREIGN KEY (run_id, serial, rule_key)
        REFERENCES rule_hits (run_id, serial, rule_key) ON DELETE CASCADE
);
CREATE INDEX rule_deltas_by_prev ON rule_deltas (prev_run_id);
-- the few catch-all counters of each run, for the trend
CREATE INDEX rule_hits_catch_all ON rule_hits (run_id, serial, rule_key) WHERE catch_all;

-- One row per run: what the catch-all rules carried. catch_all_hits sums
-- the catch-all deltas over every device; it is NULL when one of them is
-- unknown (baseline). catch_all_resets counts deltas that restarted after a
-- reset: the hits they lost are not in catch_all_hits.
CREATE VIEW catch_all_trend AS
SELECT
    r.id AS run_id,
    r.target,
    (SELECT v.serial FROM devices v WHERE v.run_id = r.id AND v.role = 'primary') AS serial,
    r.window_from,
    r.window_to,
    r.collected_at,
    d.since,
    CASE WHEN coalesce(d.n, 0) = 0 OR d.unknown > 0 THEN NULL ELSE d.hits END AS catch_all_hits,
    coalesce(d.resets, 0) AS catch_all_resets,
    r.catch_all_sessions,
    (SELECT sum(c.sessions) FROM rule_sessions c WHERE c.run_id = r.id) AS catch_all_client_sessions,
    r.catch_all_responses,
    r.catch_all_distinct_urls,
    (SELECT coalesce(sum(s.responses), 0) FROM status_counts s
      WHERE s.run_id = r.id AND s.scope = 'catch_all' AND s.status BETWEEN 100 AND 199) AS catch_all_1xx,
    (SELECT coalesce(sum(s.responses), 0) FROM status_counts s
      WHERE s.run_id = r.id AND s.scope = 'catch_all' AND s.status BETWEEN 200 AND 299) AS catch_all_2xx,
    (SELECT coalesce(sum(s.responses), 0) FROM status_counts s
      WHERE s.run_id = r.id AND s.scope = 'catch_all' AND s.status BETWEEN 300 AND 399) AS catch_all_3xx,
    (SELECT coalesce(sum(s.responses), 0) FROM status_counts s
      WHERE s.run_id = r.id AND s.scope = 'catch_all' AND s.status BETWEEN 400 AND 499) AS catch_all_4xx,
    (SELECT coalesce(sum(s.responses), 0) FROM status_counts s
      WHERE s.run_id = r.id AND s.scope = 'catch_all' AND s.status BETWEEN 500 AND 599) AS catch_all_5xx,
    (SELECT count(*) FROM suggestions g WHERE g.run_id = r.id) AS suggestions,
    r.verdict
FROM runs r
LEFT JOIN (
    SELECT d.run_id,
           count(*) AS n,
           sum(d.kind = 'baseline') AS unknown,
           sum(d.kind = 'reset') AS resets,
           sum(d.hits) AS hits,
           min(d.since) AS since
      -- CROSS JOIN keeps rule_hits outside, so only catch-all rows are read
      FROM rule_hits h
     CROSS JOIN rule_deltas d ON d.run_id = h.run_id AND d.serial = h.serial AND d.rule_key = h.rule_key
     WHERE h.catch_all
     GROUP BY d.run_id
) d ON d.run_id = r.id;

-- Per rule and device, the hits of each run's period, with the rule's name
-- at that run: follow a rule_key to follow a rule across renames.
CREATE VIEW rule_trend AS
SELECT
    r.target,
    d.run_id,
    r.window_from,
    r.window_to,
    d.serial,
    d.rule_key,
    d.rule,
    h.catch_all,
    h.hit_count,
    d.kind,
    d.hits,
    d.since,
    d.until,
    d.gap_from,
    d.gap_to,
    d.reason
FROM rule_deltas d
JOIN runs r ON r.id = d.run_id
JOIN rule_hits h ON h.run_id = d.run_id AND h.serial = d.serial AND h.rule_key = d.rule_key;
