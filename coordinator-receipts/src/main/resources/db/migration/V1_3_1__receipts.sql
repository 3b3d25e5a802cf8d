-- Signed receipts and their RFC 6962 transparency log, written only by the "receipts" tracking
-- processor. Receipts, log nodes and checkpoints are append-only: triggers refuse UPDATE and DELETE,
-- and only a rebuild from the events empties them (TRUNCATE, which the triggers do not see).

-- One row per completed job. body is the RFC 8785 form of the whole receipt, signature included:
-- exactly the bytes of its log leaf.
CREATE TABLE receipt (
    job_id       VARCHAR(255) NOT NULL PRIMARY KEY,
    receipt_id   VARCHAR(255) NOT NULL,
    event_id     VARCHAR(255) NOT NULL,
    log_index    BIGINT       NOT NULL,
    client_id    VARCHAR(255) NOT NULL,
    miner_id     VARCHAR(255) NOT NULL,
    key_id       VARCHAR(16)  NOT NULL,
    completed_at TIMESTAMPTZ  NOT NULL,
    body         BYTEA        NOT NULL,
    CONSTRAINT receipt_receipt_id_key UNIQUE (receipt_id),
    CONSTRAINT receipt_event_id_key UNIQUE (event_id),
    CONSTRAINT receipt_log_index_key UNIQUE (log_index)
);

-- Hashes of the perfect subtrees of the log: height 0 holds the leaf hashes, the node (height, idx)
-- covers leaves idx * 2^height up to (idx + 1) * 2^height. Such a node never changes once written;
-- every root and proof is combined from them.
CREATE TABLE receipt_log_node (
    height SMALLINT NOT NULL,
    idx    BIGINT   NOT NULL,
    hash   BYTEA    NOT NULL,
    PRIMARY KEY (height, idx)
);

-- Signed checkpoints (C2SP signed notes) in the order they were issued.
CREATE TABLE receipt_log_checkpoint (
    tree_size BIGINT       NOT NULL PRIMARY KEY,
    root_hash BYTEA        NOT NULL,
    key_id    VARCHAR(16)  NOT NULL,
    note      TEXT         NOT NULL,
    signed_at TIMESTAMPTZ  NOT NULL
);

-- The Ed25519 key each miner registered last (NULL when it registered none), as the receipts
-- processor saw it in event order: a miner attestation is checked against the key in force then.
CREATE TABLE receipt_miner_key (
    miner_id   VARCHAR(255) NOT NULL PRIMARY KEY,
    public_key BYTEA
);

-- Completions that could not be signed because a value has no RFC 8785 form (a lone surrogate, for
-- example): recorded instead of signing a silently altered value, and never retried.
CREATE TABLE receipt_refusal (
    job_id   VARCHAR(255) NOT NULL PRIMARY KEY,
    event_id VARCHAR(255) NOT NULL,
    reason   TEXT         NOT NULL
);

/* [jooq ignore start] */
CREATE FUNCTION receipt_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER receipt_append_only BEFORE UPDATE OR DELETE ON receipt
    FOR EACH ROW EXECUTE FUNCTION receipt_log_append_only();
CREATE TRIGGER receipt_log_node_append_only BEFORE UPDATE OR DELETE ON receipt_log_node
    FOR EACH ROW EXECUTE FUNCTION receipt_log_append_only();
CREATE TRIGGER receipt_log_checkpoint_append_only BEFORE UPDATE OR DELETE ON receipt_log_checkpoint
    FOR EACH ROW EXECUTE FUNCTION receipt_log_append_only();
/* [jooq ignore stop] */
