-- A queued job reserved through an offer shows the reservation's miner, offer and terms in job_view, and
-- until when it holds.
ALTER TABLE job_view ADD COLUMN reserved_until TIMESTAMPTZ;
