-- A check value of the instance key (an HMAC of a fixed label), so an instance started with a
-- different key than the one the database was set up with refuses to start instead of failing
-- to read every stored secret.
CREATE TABLE key_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL
);
