-- Subscriptions to external CAP index feeds (Atom or RSS): a national meteorological service,
-- MeteoAlarm, a neighbouring region. Each is polled with conditional requests; what its rules
-- accept is relayed (issued at once, the original bytes kept), queued for approval as a draft,
-- or ignored. One instance polls a subscription at a time: it claims it by moving
-- `lease_until_ms` forward with a conditional UPDATE.
CREATE TABLE feed_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    url             TEXT    NOT NULL,
    rules           TEXT    NOT NULL,                -- JSON: severity, events, territory, statuses
    action          TEXT    NOT NULL,                -- relay, draft or ignore
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    poll_seconds    INTEGER NOT NULL,
    must_sign       BOOLEAN NOT NULL DEFAULT FALSE,  -- refuse documents without a valid XML signature
    from_config     BOOLEAN NOT NULL DEFAULT FALSE,  -- seeded from [[feeds.subscriptions]]
    etag            TEXT,                            -- the last ETag, sent as If-None-Match
    last_modified   TEXT,                            -- the last Last-Modified, sent as If-Modified-Since
    next_poll_ms    BIGINT  NOT NULL,                -- when it is due
    lease_owner     TEXT,
    lease_until_ms  BIGINT  NOT NULL DEFAULT 0,      -- claimed until then by lease_owner
    failures        INTEGER NOT NULL DEFAULT 0,      -- consecutive failed polls, for the backoff
    last_polled_ms  BIGINT,
    last_ok_ms      BIGINT,
    last_error      TEXT,                            -- JSON: code and message of the last failure
    polls           BIGINT  NOT NULL DEFAULT 0,
    errors          BIGINT  NOT NULL DEFAULT 0,
    relayed         BIGINT  NOT NULL DEFAULT 0,
    drafted         BIGINT  NOT NULL DEFAULT 0,
    skipped         BIGINT  NOT NULL DEFAULT 0,
    created_ms      BIGINT  NOT NULL,
    changed_ms      BIGINT  NOT NULL
);
CREATE INDEX feed_subscriptions_due ON feed_subscriptions (next_poll_ms) WHERE enabled = TRUE;

-- What a subscription has handled: one row per feed entry (its id and update time, or its
-- linked document), written in the transaction that stored the alert, so an entry fetched
-- but not stored is fetched again on the next poll, and one handled is not fetched again.
CREATE TABLE feed_items (
    feed_id     BIGINT  NOT NULL REFERENCES feed_subscriptions(id) ON DELETE CASCADE,
    item_key    TEXT    NOT NULL,                    -- entry id and updated, or the CAP link
    sender      TEXT,
    identifier  TEXT,
    outcome     TEXT    NOT NULL,                    -- relayed, drafted, skipped, duplicate, invalid
    alert_id    BIGINT  REFERENCES alerts(id),
    seen_ms     BIGINT  NOT NULL,
    PRIMARY KEY (feed_id, item_key)
);
