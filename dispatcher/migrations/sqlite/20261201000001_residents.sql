-- Residents signing up themselves (issue 7): a management token per subscription, codes that
-- confirm an SMS number or an email address, rate-limit counters shared by every instance,
-- and anonymous delivery counts that outlive the delivery rows.
-- The PostgreSQL migration of the same name holds the same tables.

-- The SHA-256 of the resident's management token (shown once at sign-up); NULL for
-- subscriptions added by staff or imported. `deleted_ms` marks a subscription whose resident
-- deleted it: its address, hash, languages and places are gone, the row stays as a tombstone
-- so that the targeting index learns of the deletion through the change stamps.
ALTER TABLE subscriptions ADD COLUMN token_hash TEXT;
ALTER TABLE subscriptions ADD COLUMN deleted_ms BIGINT;

-- The one open verification code of a subscription: a keyed hash of the 6 digits, when it
-- expires, how many wrong tries remain, and when another code may be sent. A sign-up for an
-- address that already gets warnings is a claim: its token (SHA-256) and choices (JSON) take
-- over the subscription only once the code sent there is confirmed; until then nothing changes
-- and the sign-up looks like any other (it does not reveal that the address is subscribed).
CREATE TABLE verification_codes (
    subscription_id   BIGINT  PRIMARY KEY REFERENCES subscriptions(id),
    code_hash         TEXT    NOT NULL,
    expires_ms        BIGINT  NOT NULL,
    tries_left        INTEGER NOT NULL,
    resend_after_ms   BIGINT  NOT NULL,
    created_ms        BIGINT  NOT NULL,
    claim_token_hash  TEXT,
    claim_choices     TEXT
);

-- Fixed-window counters for rate limits (sign-ups and codes per address hash, number prefix,
-- client IP, and overall). Kept in the database so that limits hold across instances; old
-- windows are purged.
CREATE TABLE rate_buckets (
    bucket          TEXT    NOT NULL,                   -- code:prefix:+421900, signup:ip:…, …
    window_start_ms BIGINT  NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start_ms)
);
CREATE INDEX rate_buckets_window ON rate_buckets (window_start_ms);

-- Deliveries folded into counts: rows of deleted residents and rows older than the retention
-- period leave their alert, channel and status here and nothing about the person.
CREATE TABLE delivery_counts (
    alert_id BIGINT  NOT NULL REFERENCES alerts(id),
    channel  TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    n        BIGINT  NOT NULL,
    PRIMARY KEY (alert_id, channel, status)
);

-- Finding a subscription's deliveries (deletion) and old finished ones (retention).
CREATE INDEX deliveries_subscription ON deliveries (recipient_id) WHERE recipient_kind = 'subscription';
CREATE INDEX deliveries_updated ON deliveries (updated_ms) WHERE recipient_kind = 'subscription';
