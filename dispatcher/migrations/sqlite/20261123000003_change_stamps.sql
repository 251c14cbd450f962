-- Change stamps for what the targeting index holds. A clock time cannot tell a reader which
-- rows it has not seen yet: a transaction may commit long after it stamped its rows. Writers
-- on SQLite take turns (BEGIN IMMEDIATE), so a counter bumped inside each writing transaction
-- orders changes by commit: a reader that has seen stamps up to N next reads stamps above N.
CREATE TABLE change_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO change_counter (id, seq) VALUES (1, 1);

ALTER TABLE subscriptions ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE places ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;
CREATE INDEX subscriptions_change_seq ON subscriptions (change_seq);
CREATE INDEX places_change_seq ON places (change_seq);
CREATE INDEX devices_change_seq ON devices (change_seq);
