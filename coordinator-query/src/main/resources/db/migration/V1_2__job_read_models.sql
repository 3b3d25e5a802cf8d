-- Read models of jobs and miners. Every row here is derived from the event store and can be
-- rebuilt from it.

CREATE TABLE job_view (
    job_id           VARCHAR(64)  PRIMARY KEY,
    type             VARCHAR(64)  NOT NULL,
    name             VARCHAR(256),
    status           VARCHAR(16)  NOT NULL,
    client_id        VARCHAR(128) NOT NULL,
    miner_id         VARCHAR(128),
    offer_id         VARCHAR(64),
    payload          TEXT,
    requirements     TEXT,
    max_price        NUMERIC,
    price            NUMERIC,
    unit_price       NUMERIC,
    unit_type        VARCHAR(32),
    units            NUMERIC,
    attempt          INTEGER      NOT NULL,
    max_attempts     INTEGER      NOT NULL,
    progress         INTEGER      NOT NULL,
    created_at       TIMESTAMPTZ  NOT NULL,
    started_at       TIMESTAMPTZ,
    completed_at     TIMESTAMPTZ,
    canceled_at      TIMESTAMPTZ,
    expires_at       TIMESTAMPTZ  NOT NULL,
    lease_expires_at TIMESTAMPTZ,
    error_code       VARCHAR(64),
    error_message    TEXT,
    receipt_id       VARCHAR(64),
    result           TEXT
);

CREATE INDEX job_view_created_idx ON job_view (created_at DESC, job_id DESC);
CREATE INDEX job_view_client_created_idx ON job_view (client_id, created_at DESC, job_id DESC);
CREATE INDEX job_view_status_created_idx ON job_view (status, created_at DESC, job_id DESC);

-- Unfinished jobs with what matching needs; claimable while queued. A miner's poll locks a row with
-- SELECT … FOR UPDATE SKIP LOCKED, so two polls never take the same job.
CREATE TABLE job_queue (
    job_id            VARCHAR(64)  PRIMARY KEY,
    claimable         BOOLEAN      NOT NULL,
    miner_id          VARCHAR(128),
    type              VARCHAR(64)  NOT NULL,
    submitted_at      TIMESTAMPTZ  NOT NULL,
    req_gpu           VARCHAR(128),
    req_min_vram_mb   INTEGER,
    req_models        TEXT[],
    req_region        VARCHAR(64),
    max_price         NUMERIC,
    reserved_miner_id VARCHAR(128),
    reserved_offer_id VARCHAR(64),
    reserved_price    NUMERIC,
    reserved_until    TIMESTAMPTZ
);

CREATE INDEX job_queue_claimable_idx ON job_queue (submitted_at, job_id) WHERE claimable;
CREATE INDEX job_queue_miner_idx ON job_queue (miner_id) WHERE miner_id IS NOT NULL;

-- Time limits of unfinished jobs: the job's time to live, and the lease of its running attempt.
CREATE TABLE job_deadline (
    job_id  VARCHAR(64) NOT NULL,
    kind    VARCHAR(16) NOT NULL,
    attempt INTEGER     NOT NULL,
    due_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job_id, kind)
);

CREATE INDEX job_deadline_due_idx ON job_deadline (due_at);

CREATE TABLE miner_view (
    miner_id        VARCHAR(128) PRIMARY KEY,
    capabilities    TEXT         NOT NULL,
    gpu_names       TEXT[]       NOT NULL,
    max_vram_mb     INTEGER      NOT NULL,
    models          TEXT[]       NOT NULL,
    job_types       TEXT[]       NOT NULL,
    concurrency     INTEGER      NOT NULL,
    region          VARCHAR(64),
    public_key      VARCHAR(128),
    unit_price      NUMERIC,
    unit_type       VARCHAR(32),
    registered_at   TIMESTAMPTZ  NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL,
    total_jobs      INTEGER      NOT NULL DEFAULT 0,
    completed_jobs  INTEGER      NOT NULL DEFAULT 0,
    failed_jobs     INTEGER      NOT NULL DEFAULT 0,
    lease_expiries  INTEGER      NOT NULL DEFAULT 0,
    total_duration_ms BIGINT     NOT NULL DEFAULT 0,
    total_earned    NUMERIC      NOT NULL DEFAULT 0
);
