-- Schema version 1: runs and what each one read and concluded.
--
-- Times are TEXT in RFC 3339, UTC, whole seconds ("2026-11-23T00:00:00Z"),
-- so they sort as text and SQLite's date functions read them. A NULL time
-- means never (the device reports 0). List fields are JSON arrays.

-- One row per run: a target (as the configuration names it) and a window.
-- Running the same target and window again replaces the row and
-- everything that hangs off it.
CREATE TABLE runs (
    id                      INTEGER PRIMARY KEY,
    target                  TEXT    NOT NULL,
    host                    TEXT    NOT NULL,
    port                    INTEGER NOT NULL DEFAULT 0,
    vsys                    TEXT    NOT NULL DEFAULT '',
    device_group            TEXT    NOT NULL DEFAULT '',
    window_from             TEXT    NOT NULL,
    window_to               TEXT    NOT NULL,
    -- when the hit counters were read: hit deltas run between these
    collected_at            TEXT    NOT NULL,
    generated_at            TEXT    NOT NULL,
    catch_all               TEXT    NOT NULL, -- JSON array of rule names
    threat_logs             INTEGER NOT NULL,
    responses               INTEGER NOT NULL,
    catch_all_responses     INTEGER NOT NULL,
    traffic_logs            INTEGER NOT NULL,
    catch_all_sessions      INTEGER NOT NULL,
    catch_all_bytes         INTEGER NOT NULL,
    catch_all_distinct_urls INTEGER NOT NULL,
    scanner_responses       INTEGER NOT NULL,
    report                  TEXT    NOT NULL, -- the JSON document of the analysis
    UNIQUE (target, window_from, window_to)
);
CREATE INDEX runs_by_target ON runs (target, collected_at);

-- The devices a run read: the one it connected to, and its HA peer when
-- the configuration names one. Each keeps its own hit counters.
CREATE TABLE devices (
    run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    serial         TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('primary', 'ha-peer')),
    hostname       TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    family         TEXT    NOT NULL,
    sw_version     TEXT    NOT NULL,
    panorama       INTEGER NOT NULL,
    time_zone      TEXT    NOT NULL,
    ha_peer_serial TEXT,
    PRIMARY KEY (run_id, serial)
);

-- Hit counter snapshots: one row per run, device and rule. rule_key is the
-- rule's UUID, or 'name:' || rule on devices without UUIDs, so a renamed
-- rule keeps its key.
CREATE TABLE rule_hits (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    serial     TEXT    NOT NULL,
    vsys       TEXT    NOT NULL,
    rule_key   TEXT    NOT NULL,
    rule_uuid  TEXT,
    rule       TEXT    NOT NULL,
    position   INTEGER NOT NULL, -- 1-based evaluation order; default rules last
    action     TEXT    NOT NULL,
    catch_all  INTEGER NOT NULL,
    hit_count  INTEGER NOT NULL,
    first_hit  TEXT,
    last_hit   TEXT,
    last_reset TEXT,
    created    TEXT,
    modified   TEXT,
    PRIMARY KEY (run_id, serial, rule_key)
);
CREATE INDEX rule_hits_by_key ON rule_hits (rule_key, serial);

-- HTTP responses per status code: over every rule, and on the catch-all.
CREATE TABLE status_counts (
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    scope     TEXT    NOT NULL CHECK (scope IN ('all', 'catch_all')),
    status    INTEGER NOT NULL,
    responses INTEGER NOT NULL,
    PRIMARY KEY (run_id, scope, status)
);

-- Suggested App-ID rules: the services that only the catch-all allows.
CREATE TABLE suggestions (
    run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    catch_all_rule   TEXT    NOT NULL,
    from_zones       TEXT    NOT NULL, -- JSON arrays from here to ports
    to_zones         TEXT    NOT NULL,
    sources          TEXT    NOT NULL,
    destinations     TEXT    NOT NULL,
    applications     TEXT    NOT NULL,
    services         TEXT    NOT NULL,
    ports            TEXT    NOT NULL,
    sessions         INTEGER NOT NULL,
    responses        INTEGER NOT NULL,
    bytes            INTEGER NOT NULL,
    urls             INTEGER NOT NULL,
    distinct_sources INTEGER NOT NULL,
    first_seen       TEXT,
    last_seen        TEXT,
    PRIMARY KEY (run_id, name)
);

-- Sources that swept servers for paths that do not exist.
CREATE TABLE scanners (
    run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    source         TEXT    NOT NULL,
    targets        TEXT    NOT NULL, -- JSON array
    distinct_paths INTEGER NOT NULL,
    responses      INTEGER NOT NULL,
    not_found      INTEGER NOT NULL,
    first_seen     TEXT,
    last_seen      TEXT,
    PRIMARY KEY (run_id, source)
);
