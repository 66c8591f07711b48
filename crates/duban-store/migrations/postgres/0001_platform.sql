-- Platform tables (issue 3): units, accounts, sessions, tokens, plans.
-- Portable subset: BIGINT flags (0/1), TEXT ISO-8601 UTC timestamps, DOUBLE PRECISION numbers.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE unit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE app_user (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id BIGINT REFERENCES unit(id),
    created_at TEXT NOT NULL
);

CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX session_by_user ON session(user_id);

CREATE TABLE api_token (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE login_attempt (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TEXT NOT NULL,
    success BIGINT NOT NULL
);
CREATE INDEX login_attempt_key ON login_attempt(user_name, ip, at);

CREATE TABLE plan (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title TEXT NOT NULL,
    year BIGINT,
    issuer TEXT,
    region TEXT,
    state TEXT NOT NULL DEFAULT 'draft',
    source_name TEXT,
    source_text TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    assignment_confirmed BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    adopted_at TEXT,
    adopted_by BIGINT REFERENCES app_user(id)
);

CREATE TABLE pillar (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    heading TEXT NOT NULL,
    subtitle TEXT
);
CREATE INDEX pillar_plan ON pillar(plan_id, position);

CREATE TABLE task (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    pillar_id BIGINT REFERENCES pillar(id) ON DELETE SET NULL,
    number BIGINT NOT NULL,
    label TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    text_start BIGINT,
    deadline TEXT,
    cadence TEXT NOT NULL DEFAULT 'quarterly',
    leads_separately BIGINT NOT NULL DEFAULT 0,
    carried_from BIGINT REFERENCES task(id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (plan_id, number)
);

CREATE TABLE target (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    task_id BIGINT REFERENCES task(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    phrase TEXT NOT NULL,
    span_start BIGINT NOT NULL,
    span_end BIGINT NOT NULL,
    metric TEXT NOT NULL,
    comparator TEXT NOT NULL,
    value DOUBLE PRECISION,
    low DOUBLE PRECISION,
    high DOUBLE PRECISION,
    unit TEXT,
    normalized DOUBLE PRECISION,
    commitment TEXT,
    baseline DOUBLE PRECISION,
    deadline TEXT,
    curve TEXT NOT NULL DEFAULT 'linear',
    milestones TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX target_task ON target(task_id, position);
CREATE INDEX target_plan ON target(plan_id);

CREATE TABLE task_unit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES task(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES unit(id),
    role TEXT NOT NULL,
    position BIGINT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    UNIQUE (task_id, unit_id)
);
CREATE INDEX task_unit_unit ON task_unit(unit_id);

CREATE TABLE adjustment (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    task_id BIGINT REFERENCES task(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    at TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL
);
CREATE INDEX adjustment_plan ON adjustment(plan_id, at);
