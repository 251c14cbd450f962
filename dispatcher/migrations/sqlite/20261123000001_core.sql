-- Tocsin core schema (SQLite). Times are milliseconds since the Unix epoch; ids are 64-bit.
-- The PostgreSQL schema in ../postgres holds the same tables and columns.

-- Staff accounts. Passwords are argon2id PHC strings; TOTP secrets are encrypted with the
-- instance's secret key (ChaCha20-Poly1305, bound to the row).
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT    NOT NULL UNIQUE,
    display_name         TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    roles                TEXT    NOT NULL,            -- comma-separated: author,approver,...
    totp_secret          TEXT,                        -- encrypted; NULL until enrolment starts
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms           BIGINT  NOT NULL,
    updated_ms           BIGINT  NOT NULL
);

-- Browser sessions. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash       TEXT    PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    csrf_token    TEXT    NOT NULL,
    second_factor BOOLEAN NOT NULL,                   -- the TOTP code was given at login
    created_ms    BIGINT  NOT NULL,
    last_seen_ms  BIGINT  NOT NULL,
    expires_ms    BIGINT  NOT NULL,                   -- the absolute limit
    address       TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens for integrations: one role and a list of scopes each; only the SHA-256 of the
-- token is stored, and its first characters to tell tokens apart.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT   NOT NULL UNIQUE,
    token_hash   TEXT   NOT NULL UNIQUE,
    prefix       TEXT   NOT NULL,
    role         TEXT   NOT NULL,
    scopes       TEXT   NOT NULL,                     -- comma-separated
    created_by   BIGINT REFERENCES users(id),
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT,
    revoked_ms   BIGINT,
    last_used_ms BIGINT
);

-- Failed logins, counted per account and per client address for rate limiting.
CREATE TABLE login_failures (
    key   TEXT   NOT NULL,                            -- user:NAME or address:IP
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at_ms);

-- Named areas, imported from GeoJSON: CAP polygons (lat,lon text) and geocodes as JSON.
CREATE TABLE areas (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT   NOT NULL UNIQUE,
    polygons   TEXT   NOT NULL,                       -- JSON array of CAP polygon texts
    geocodes   TEXT   NOT NULL,                       -- JSON array of {valueName, value}
    area_km2   DOUBLE PRECISION NOT NULL,
    created_ms BIGINT NOT NULL
);

-- Templates: alert content with {placeholders}, per language.
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT   NOT NULL UNIQUE,
    description TEXT   NOT NULL,
    content     TEXT   NOT NULL,                      -- JSON: AlertContent
    created_by  BIGINT REFERENCES users(id),
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL
);

-- Alerts: one row per CAP message, from draft to issued and after. Update and Cancel messages
-- are rows of their own in the same thread. cap_xml is frozen at submission (or is the posted
-- document, byte for byte) and is exactly what is approved and issued.
CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id    BIGINT NOT NULL,                     -- the first message of the thread
    msg_type     TEXT   NOT NULL,                     -- Alert, Update, Cancel
    cap_status   TEXT   NOT NULL,                     -- Actual, Exercise, Test, System, Draft
    scope        TEXT   NOT NULL,
    state        TEXT   NOT NULL,                     -- draft, submitted, approved, issued, ...
    origin       TEXT   NOT NULL,                     -- authored or ingested
    version      BIGINT NOT NULL,                     -- grows with every edit of the draft
    content      TEXT   NOT NULL,                     -- JSON: AlertContent as authored
    identifier   TEXT,
    sender       TEXT,
    sent_ms      BIGINT,
    cap_xml      BLOB,
    cap_sha256   TEXT,
    headline     TEXT,
    event        TEXT,
    severity     TEXT,
    urgency      TEXT,
    expires_ms   BIGINT,
    author_id    BIGINT REFERENCES users(id),
    token_id     BIGINT REFERENCES api_tokens(id),
    submitted_ms BIGINT,
    approved_by  BIGINT REFERENCES users(id),
    approved_ms  BIGINT,
    issued_by    BIGINT REFERENCES users(id),
    issued_ms    BIGINT,
    decided_by   BIGINT REFERENCES users(id),         -- who rejected or withdrew
    reason       TEXT,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL,
    UNIQUE (sender, identifier)
);
CREATE INDEX alerts_thread ON alerts (thread_id);
CREATE INDEX alerts_state ON alerts (state, expires_ms);

-- The audit log: append-only and hash-chained. Each row's hash covers the previous row's
-- hash and every column, so `tocsin audit verify` finds a changed, inserted or deleted row.
CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,                 -- 1, 2, 3, … without gaps
    at_ms         BIGINT NOT NULL,
    actor         TEXT   NOT NULL,                    -- user:NAME, token:NAME or system
    action        TEXT   NOT NULL,
    target        TEXT   NOT NULL,
    alert_id      BIGINT,
    alert_version BIGINT,
    address       TEXT   NOT NULL,
    details       TEXT   NOT NULL,                    -- JSON
    prev_hash     TEXT   NOT NULL,
    hash          TEXT   NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
