-- Hardening (issue 9): disabled accounts, expiring API tokens, the readiness heartbeat,
-- failures of background jobs, bounded records of anonymous login failures.

-- A disabled user cannot log in; its sessions are ended and its tokens revoked.
ALTER TABLE app_user ADD COLUMN disabled_at TEXT;

-- Tokens expire (default 90 days after creation); existing tokens get the same term.
ALTER TABLE api_token ADD COLUMN expires_at TEXT;
UPDATE api_token SET expires_at = to_char(
    (created_at::timestamptz + interval '90 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');

-- /readyz writes and reads this single row.
CREATE TABLE heartbeat (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL
);

-- A background job that failed for one subject (e.g. the escalation tick for one plan).
CREATE TABLE job_failure (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job TEXT NOT NULL,
    subject TEXT NOT NULL,
    at TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX job_failure_at ON job_failure(job, at);

-- Throttling looks up failures per address across names.
CREATE INDEX login_attempt_ip ON login_attempt(ip, at);
