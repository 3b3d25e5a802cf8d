-- API keys. The secret is never stored: only its SHA-256, compared in constant time.
CREATE TABLE api_key (
    key_id       VARCHAR(64)  PRIMARY KEY,
    secret_hash  BYTEA        NOT NULL,
    role         VARCHAR(16)  NOT NULL,
    plan         VARCHAR(16)  NOT NULL,
    principal    VARCHAR(128) NOT NULL,
    name         VARCHAR(128),
    created_at   TIMESTAMPTZ  NOT NULL,
    rotated_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE INDEX api_key_principal_idx ON api_key (principal);
