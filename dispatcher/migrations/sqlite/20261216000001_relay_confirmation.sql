-- A subscription that relays (issues CAP from elsewhere without an approver) needs a second
-- person, as an alert does: an API token whose CAP is issued at once, and a feed whose action
-- is `relay`. `confirmed_ms` is set when an approver other than the person who made or last
-- changed it confirms it; until then what it brings waits for an approver. Tokens and feeds
-- that existed before this migration keep working as they did: they count as confirmed at the
-- time they were made (confirmed_by stays NULL, which the API shows as "before confirmations").
ALTER TABLE api_tokens ADD COLUMN confirmed_by BIGINT REFERENCES users(id);
ALTER TABLE api_tokens ADD COLUMN confirmed_ms BIGINT;
UPDATE api_tokens SET confirmed_ms = created_ms;

-- changed_by: who made the subscription or last changed what it relays (NULL: the
-- configuration file, or a change made before this migration).
ALTER TABLE feed_subscriptions ADD COLUMN changed_by BIGINT REFERENCES users(id);
ALTER TABLE feed_subscriptions ADD COLUMN confirmed_by BIGINT REFERENCES users(id);
ALTER TABLE feed_subscriptions ADD COLUMN confirmed_ms BIGINT;
UPDATE feed_subscriptions SET confirmed_ms = changed_ms;
