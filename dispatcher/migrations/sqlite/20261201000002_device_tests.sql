-- Scheduled siren tests. A schedule says which signal (only those the catalogue marks as
-- tests) sounds on which device groups, and when it recurs, in the server's local time. It is
-- written by one person and must be approved by another before it runs: each run then issues a
-- Test alert to those devices without a further approval, because the approver approved the
-- schedule, signal and groups once. Any change sends it back for approval.
CREATE TABLE device_test_schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE,
    signal         TEXT    NOT NULL,
    groups         TEXT    NOT NULL,                 -- comma-separated device groups
    every          TEXT    NOT NULL,                 -- month or week
    weekday        INTEGER NOT NULL,                 -- 1 (Monday) to 7 (Sunday)
    week_of_month  INTEGER,                          -- 1 to 4, or -1 for the last; months only
    at_minute      INTEGER NOT NULL,                 -- minutes after local midnight
    state          TEXT    NOT NULL,                 -- pending, active, paused, deleted
    created_by     BIGINT  NOT NULL REFERENCES users(id),
    approved_by    BIGINT  REFERENCES users(id),
    next_run_ms    BIGINT,                           -- when it runs next; claimed by moving it on
    version        INTEGER NOT NULL DEFAULT 1,
    created_ms     BIGINT  NOT NULL,
    changed_ms     BIGINT  NOT NULL
);
CREATE INDEX device_test_schedules_due ON device_test_schedules (next_run_ms) WHERE state = 'active';

-- Each run of a schedule: the Test alert it issued (whose device deliveries are the report of
-- who answered), or that it did not run (missed while the server was down, or failed).
CREATE TABLE device_test_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id  BIGINT  NOT NULL REFERENCES device_test_schedules(id),
    due_ms       BIGINT  NOT NULL,
    started_ms   BIGINT  NOT NULL,
    alert_id     BIGINT  REFERENCES alerts(id),
    outcome      TEXT    NOT NULL,                   -- issued, missed, failed
    UNIQUE (schedule_id, due_ms)
);
