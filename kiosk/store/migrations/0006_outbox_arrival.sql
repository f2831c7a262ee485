-- may_have_arrived: an attempt to send the row may have reached the central
-- system (the client got a connection for its request, or its fate is
-- unknown: a claim that expired in flight or was released at a restart).
-- Only such a row can be filed twice by a resend after the central system
-- has forgotten its idempotency key, so only such a row is parked when it
-- has waited longer than the key window; one whose every attempt failed
-- before the request could leave the terminal is sent whatever its age.
-- What happened to the rows already queued is not known well enough (a
-- restart handed claims back without counting an attempt), so they all
-- count as possibly arrived.
ALTER TABLE outbox ADD COLUMN may_have_arrived INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET may_have_arrived = 1;
