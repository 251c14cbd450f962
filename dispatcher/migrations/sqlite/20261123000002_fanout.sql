-- Fan-out (SQLite): the recipients an alert can reach, and the durable outbox of deliveries.
-- The PostgreSQL migration of the same name holds the same tables.

-- Residents' subscriptions: a channel address, sealed with the instance key, found again by a
-- keyed hash; the languages they read, in order; the least severity they want.
CREATE TABLE subscriptions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    channel        TEXT    NOT NULL,                   -- push, sms, email
    address_sealed TEXT    NOT NULL,
    address_hash   TEXT    NOT NULL,
    languages      TEXT    NOT NULL,                   -- comma-separated, preferred first
    min_severity   TEXT    NOT NULL,                   -- Minor, Moderate, Severe, Extreme
    exercises      BOOLEAN NOT NULL DEFAULT TRUE,      -- wants Exercise alerts
    tests          BOOLEAN NOT NULL DEFAULT FALSE,     -- wants Test alerts
    verified       BOOLEAN NOT NULL DEFAULT TRUE,      -- nothing is sent before verification
    active         BOOLEAN NOT NULL DEFAULT TRUE,      -- false once unsubscribed or gone
    created_ms     BIGINT  NOT NULL,
    changed_ms     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX subscriptions_address ON subscriptions (channel, address_hash);
CREATE INDEX subscriptions_changed ON subscriptions (changed_ms);

-- Sirens and public displays: where they stand and the groups they belong to.
CREATE TABLE devices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL,                       -- siren, display
    name       TEXT    NOT NULL UNIQUE,
    lat        DOUBLE PRECISION NOT NULL,
    lon        DOUBLE PRECISION NOT NULL,
    groups     TEXT    NOT NULL DEFAULT '',            -- comma-separated
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms BIGINT  NOT NULL,
    changed_ms BIGINT  NOT NULL
);

-- Where a subscription wants warnings: a point, or a named area.
CREATE TABLE places (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id BIGINT  NOT NULL REFERENCES subscriptions(id),
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    area_id         BIGINT  REFERENCES areas(id),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    changed_ms      BIGINT  NOT NULL
);
CREATE INDEX places_changed ON places (changed_ms);
CREATE INDEX places_subscription ON places (subscription_id);

-- Webhooks registered by operators: every issued alert is POSTed to each, signed with its
-- secret (sealed with the instance key).
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    url           TEXT    NOT NULL,
    secret_sealed TEXT    NOT NULL,
    exercises     BOOLEAN NOT NULL DEFAULT TRUE,       -- also Exercise and Test alerts
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms    BIGINT  NOT NULL,
    changed_ms    BIGINT  NOT NULL
);

-- One row per issued alert: the durable promise that its deliveries will be created. Written
-- in the transaction that issues the alert; planners lease it, create deliveries in batches
-- (idempotently) and mark it done.
CREATE TABLE fanouts (
    alert_id         BIGINT  PRIMARY KEY REFERENCES alerts(id),
    priority         INTEGER NOT NULL,                 -- 0 first
    state            TEXT    NOT NULL,                 -- pending, done
    lease_owner      TEXT,
    lease_expires_ms BIGINT,
    recipients       BIGINT,
    created_ms       BIGINT  NOT NULL,
    done_ms          BIGINT
);
CREATE INDEX fanouts_pending ON fanouts (state, priority, created_ms);

-- The outbox: one row per message, channel and recipient. Workers lease due rows (a fencing
-- token grows with each lease), send, and record the outcome only if the token is still theirs.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id         BIGINT  NOT NULL REFERENCES alerts(id),
    channel          TEXT    NOT NULL,                 -- webhook, push, sms, email, siren, display
    recipient_kind   TEXT    NOT NULL,                 -- subscription, device, webhook
    recipient_id     BIGINT  NOT NULL,
    priority         INTEGER NOT NULL,
    status           TEXT    NOT NULL,                 -- queued, sent, delivered, acknowledged, failed, expired, cancelled
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  BIGINT  NOT NULL,
    expires_ms       BIGINT,
    lease_owner      TEXT,
    lease_expires_ms BIGINT,
    fence            BIGINT  NOT NULL DEFAULT 0,
    provider_id      TEXT,
    last_error       TEXT,
    created_ms       BIGINT  NOT NULL,
    updated_ms       BIGINT  NOT NULL,
    sent_ms          BIGINT,
    delivered_ms     BIGINT,
    UNIQUE (alert_id, channel, recipient_kind, recipient_id)
);
CREATE INDEX deliveries_due ON deliveries (channel, priority, next_attempt_ms) WHERE status = 'queued';
CREATE INDEX deliveries_alert ON deliveries (alert_id, channel, status);

-- Per alert and channel, when the first and last delivery happened (filled once, for metrics).
CREATE TABLE fanout_timings (
    alert_id   BIGINT NOT NULL,
    channel    TEXT   NOT NULL,
    first_ms   BIGINT,
    last_ms    BIGINT,
    PRIMARY KEY (alert_id, channel)
);
