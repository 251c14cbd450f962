-- Sirens and displays as devices that talk to Tocsin: a secret (its SHA-256; the secret is
-- shown once), what they can do, how often they poll, whether they also take MQTT, when they
-- were last seen, their last heartbeat, and since when they are offline.
ALTER TABLE devices ADD COLUMN secret_hash TEXT;
ALTER TABLE devices ADD COLUMN capabilities TEXT NOT NULL DEFAULT '';  -- comma-separated: tones, voice, text
ALTER TABLE devices ADD COLUMN poll_seconds INTEGER NOT NULL DEFAULT 30;
ALTER TABLE devices ADD COLUMN mqtt BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE devices ADD COLUMN last_seen_ms BIGINT;
ALTER TABLE devices ADD COLUMN health TEXT;                            -- the last heartbeat, JSON
ALTER TABLE devices ADD COLUMN health_ms BIGINT;
ALTER TABLE devices ADD COLUMN offline_since_ms BIGINT;

-- Short-lived codes that pair a display page with its device (the code's SHA-256).
CREATE TABLE device_pairings (
    code_hash   TEXT   PRIMARY KEY,
    device_id   BIGINT NOT NULL REFERENCES devices(id),
    expires_ms  BIGINT NOT NULL
);

-- What a device said of a command: received, started, completed, failed.
ALTER TABLE deliveries ADD COLUMN device_state TEXT;
CREATE INDEX deliveries_device ON deliveries (recipient_id, status) WHERE recipient_kind = 'device';
