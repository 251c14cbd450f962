-- Cascades (a region over its towns). `cascade_children` gives each child named in
-- [[cascade.children]] a stable id, which its deliveries (channel `cascade`, recipient kind
-- `child`) name; the child's URL, token and territory stay in the configuration.
CREATE TABLE cascade_children (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    created_ms  BIGINT  NOT NULL
);

-- What each child last said of its fan-out of an alert handed to it: its alert, that alert's
-- state and its delivery counts per channel and status (JSON), or why it could not be asked.
CREATE TABLE cascade_reports (
    alert_id        BIGINT  NOT NULL REFERENCES alerts(id),
    child_id        BIGINT  NOT NULL REFERENCES cascade_children(id),
    child_alert_id  BIGINT,
    child_state     TEXT,
    counts          TEXT,                            -- JSON: the report (state, fan-out, {channel: {status: n}})
    total           BIGINT  NOT NULL DEFAULT 0,
    settled         BOOLEAN NOT NULL DEFAULT FALSE,  -- planned, nothing queued: asked less often
    reported_ms     BIGINT,                          -- when the child last answered
    asked_ms        BIGINT  NOT NULL,                -- when it was last asked
    error           TEXT,                            -- why the last question got no report
    PRIMARY KEY (alert_id, child_id)
);
