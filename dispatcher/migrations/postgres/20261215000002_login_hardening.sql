-- The last TOTP time step a user's code was accepted for: each step is accepted once, so a
-- code seen over a shoulder or in a proxy's log cannot be replayed within its window.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
