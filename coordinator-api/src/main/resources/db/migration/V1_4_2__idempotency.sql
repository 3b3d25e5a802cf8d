-- Answers to requests sent with an Idempotency-Key, so a retry gets the first answer again, on any
-- node and after a restart. One row per (principal, key); request_hash is the hex SHA-256 of
-- method, path and body. A row is 'in_flight' while its first request runs (until locked_until,
-- after which a node that died mid-request no longer blocks retries) and 'completed' with the
-- answer afterwards. Rows are deleted once expires_at (24 h after the first request) has passed.
CREATE TABLE idempotency_record (
    principal        VARCHAR(128) NOT NULL,
    idempotency_key  VARCHAR(255) NOT NULL,
    request_hash     VARCHAR(64)  NOT NULL,
    state            VARCHAR(16)  NOT NULL,
    status_code      INTEGER,
    content_type     VARCHAR(255),
    body             BYTEA,
    created_at       TIMESTAMPTZ  NOT NULL,
    locked_until     TIMESTAMPTZ  NOT NULL,
    expires_at       TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);

CREATE INDEX idempotency_record_expires_idx ON idempotency_record (expires_at);
