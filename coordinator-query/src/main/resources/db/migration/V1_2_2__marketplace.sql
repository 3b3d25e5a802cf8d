-- The marketplace's read models: offers, the time limits of offers and reservations, and the figures
-- behind the marketplace and miner statistics. Every row is derived from the event store.

-- Offers as clients list them; status follows the Offer aggregate (active, used_up, withdrawn, expired).
CREATE TABLE offer_view (
    offer_id     VARCHAR(64)  PRIMARY KEY,
    miner_id     VARCHAR(128) NOT NULL,
    job_type     VARCHAR(64)  NOT NULL,
    price        NUMERIC      NOT NULL,
    unit_type    VARCHAR(32)  NOT NULL,
    max_jobs     INTEGER      NOT NULL,
    jobs_left    INTEGER      NOT NULL,
    requirements TEXT,
    status       VARCHAR(16)  NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL,
    expires_at   TIMESTAMPTZ  NOT NULL,
    ended_at     TIMESTAMPTZ
);

CREATE INDEX offer_view_active_idx ON offer_view (job_type, price, created_at) WHERE status = 'active';
CREATE INDEX offer_view_miner_idx ON offer_view (miner_id, job_type) WHERE status = 'active';

-- Time limits of the marketplace: an offer's expiry (deadline_id = offer id, kind offer_expiry) and a
-- reservation's lapse (deadline_id = transaction id, kind reservation). Fired by the gateway's watcher.
CREATE TABLE market_deadline (
    deadline_id VARCHAR(64) NOT NULL,
    kind        VARCHAR(16) NOT NULL,
    offer_id    VARCHAR(64) NOT NULL,
    job_id      VARCHAR(64),
    due_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (deadline_id, kind)
);

CREATE INDEX market_deadline_due_idx ON market_deadline (due_at);
CREATE INDEX market_deadline_job_idx ON market_deadline (job_id) WHERE job_id IS NOT NULL;

-- A reserved job is taken at its offer's unit, not the miner's registered one.
ALTER TABLE job_queue ADD COLUMN reserved_unit_type VARCHAR(32);

-- One row per job with what the marketplace statistics add up; read with aggregates, so no single
-- row is written by every job's transaction.
CREATE TABLE market_job (
    job_id          VARCHAR(64)  PRIMARY KEY,
    status          VARCHAR(16)  NOT NULL,
    miner_id        VARCHAR(128),
    submitted_at    TIMESTAMPTZ  NOT NULL,
    started_at      TIMESTAMPTZ,
    first_lease_end TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    price           NUMERIC
);

CREATE INDEX market_job_status_idx ON market_job (status);

-- One row per miner: the counters its reputation and statistics are computed from.
CREATE TABLE miner_stats (
    miner_id           VARCHAR(128) PRIMARY KEY,
    active_since       TIMESTAMPTZ,
    last_seen_at       TIMESTAMPTZ  NOT NULL,
    assignments        INTEGER      NOT NULL DEFAULT 0,
    completed          INTEGER      NOT NULL DEFAULT 0,
    failures           INTEGER      NOT NULL DEFAULT 0,
    lease_expiries     INTEGER      NOT NULL DEFAULT 0,
    reservation_lapses INTEGER      NOT NULL DEFAULT 0,
    timely             INTEGER      NOT NULL DEFAULT 0,
    busy_ms            BIGINT       NOT NULL DEFAULT 0,
    earned             NUMERIC      NOT NULL DEFAULT 0
);

CREATE INDEX miner_stats_seen_idx ON miner_stats (last_seen_at);
