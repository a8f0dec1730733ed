-- Schema 14: the overlap indexes also hold what "who is busy when" reads (issue 16 item 4).
--
-- Finding the next free time with any provider reads, for a fortnight of every provider and
-- room of the location, only provider, room, blocked interval and whether the visit holds its
-- slot (Store.held_between). With those columns in the indexes SQLite answers from the index
-- pages alone and never decrypts the table's rows (each holding the visit's whole JSON): the
-- read of a 40-provider fortnight took about two thirds of the time. Same leading columns as
-- before, so the booking's overlap check (provider or room, then blocked_start) reads them as it did.
DROP INDEX appointments_by_provider;
CREATE INDEX appointments_by_provider ON appointments (provider_id, blocked_start, blocked_end, holds_slot, room_id);
DROP INDEX appointments_by_room;
CREATE INDEX appointments_by_room ON appointments (room_id, blocked_start, blocked_end, holds_slot, provider_id);
