-- New device commands are found by when their delivery was created, so that only the devices
-- that got one are woken from their long poll.
CREATE INDEX deliveries_device_created ON deliveries (created_ms) WHERE recipient_kind = 'device';
