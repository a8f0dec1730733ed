-- Schema 2: indexes for the overlap check at booking time (provider and room,
-- on the blocked interval), and for the next open conflict.
CREATE INDEX appointments_by_provider ON appointments (provider_id, blocked_start);
CREATE INDEX appointments_by_room ON appointments (room_id, blocked_start);
CREATE INDEX outbox_by_kind ON outbox (kind, position);
