-- Keys the instance makes for itself on first start (the Web Push VAPID key pair): the private
-- part sealed with the instance key, the public part as it is served. Inserted once; every
-- instance on the database uses the same pair.
CREATE TABLE instance_keys (
    name        TEXT   PRIMARY KEY,
    sealed      TEXT   NOT NULL,
    public_key  TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL
);

-- Delivery receipts as they arrive (SMPP deliver_sm, an HTTP gateway's callback). A receipt can
-- arrive before the worker has recorded the send it confirms; it waits here until its delivery
-- is marked sent, and is applied then.
CREATE TABLE receipts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel      TEXT    NOT NULL,
    provider_id  TEXT    NOT NULL,
    delivered    BOOLEAN NOT NULL,
    detail       TEXT    NOT NULL,
    received_ms  BIGINT  NOT NULL
);
CREATE INDEX receipts_received ON receipts (received_ms);

-- Receipts find their delivery by the provider's message id.
CREATE INDEX deliveries_provider ON deliveries (channel, provider_id) WHERE provider_id IS NOT NULL;
