-- Schema version 3: the changes mine made to devices (protect, block,
-- retire, undo), kept for the audit trail, for undo and for mine watch.
-- Runs and their pruning do not touch them.

-- One row per change. record is the whole change record (JSON, as mine
-- prints it for a change request), with every element's exact XML before
-- and after; the columns repeat what queries need. undone_by is set on a
-- change when an undo reverts it.
CREATE TABLE changes (
    id        INTEGER PRIMARY KEY,
    kind      TEXT    NOT NULL CHECK (kind IN ('protect', 'block', 'retire', 'undo')),
    target    TEXT    NOT NULL,
    host      TEXT    NOT NULL,
    context   TEXT    NOT NULL, -- vsys1, device-group DG
    serial    TEXT    NOT NULL,
    hostname  TEXT    NOT NULL,
    at        TEXT    NOT NULL, -- when it was committed
    admin     TEXT    NOT NULL, -- device administrator; '' with an API key only
    operator  TEXT    NOT NULL, -- local user who ran mine
    rules     TEXT    NOT NULL, -- JSON array
    verdict   TEXT,             -- readiness verdict it was decided on (retire)
    forced    INTEGER NOT NULL,
    reason    TEXT,
    status    TEXT    NOT NULL CHECK (status IN ('committed', 'push-failed', 'failed')),
    summary   TEXT    NOT NULL,
    diff      TEXT    NOT NULL, -- unified diff of the configuration
    undoes    INTEGER REFERENCES changes (id),
    undone_by INTEGER REFERENCES changes (id),
    record    TEXT    NOT NULL
);
CREATE INDEX changes_by_host ON changes (host, context, at);

-- The flows a retired catch-all carried in the evidence window of its
-- retirement: what mine watch checks the deny logs against.
CREATE TABLE carried_flows (
    change_id      INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    catch_all_rule TEXT    NOT NULL,
    from_zone      TEXT    NOT NULL,
    to_zone        TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    destination    TEXT    NOT NULL,
    application    TEXT    NOT NULL,
    protocol       TEXT    NOT NULL,
    port           INTEGER NOT NULL,
    sessions       INTEGER NOT NULL,
    first_seen     TEXT,
    last_seen      TEXT,
    scanner        INTEGER NOT NULL
);
CREATE INDEX carried_flows_by_change ON carried_flows (change_id);
