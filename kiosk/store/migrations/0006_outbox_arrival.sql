-- may_have_arrived: an attempt to send the row may have reached the central
-- system (its request was written, or its fate is unknown: a claim that
-- expired in flight). Only such a row can be filed twice by a resend after
-- the central system has forgotten its idempotency key, so only such a row
-- is parked when it has waited longer than the key window; one whose every
-- attempt failed before a byte of it left the terminal is sent whatever its
-- age. Rows from before this column are counted as possibly arrived once
-- they have been tried.
ALTER TABLE outbox ADD COLUMN may_have_arrived INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET may_have_arrived = 1 WHERE attempts > 0 OR state = 'inflight';
