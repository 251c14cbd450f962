-- Change stamps for what the targeting index holds. A clock time cannot tell a reader which
-- rows it has not seen yet: a transaction may commit long after it stamped its rows. Rows are
-- stamped with their transaction's id (pg_current_xact_id, 64 bits, never wrapping); a reader
-- notes the oldest transaction still running before it reads (pg_snapshot_xmin) and next time
-- reads stamps from there on, so a transaction that commits late is read late, never missed.
ALTER TABLE subscriptions ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE places ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
CREATE INDEX subscriptions_change_seq ON subscriptions (change_seq);
CREATE INDEX places_change_seq ON places (change_seq);
CREATE INDEX devices_change_seq ON devices (change_seq);
