-- Platform tables (issue 3): units, accounts, sessions, tokens, plans.
-- Portable subset: INTEGER flags (0/1), TEXT ISO-8601 UTC timestamps, REAL numbers.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE unit (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES unit(id),
    created_at TEXT NOT NULL
);

CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX session_by_user ON session(user_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE login_attempt (
    id INTEGER PRIMARY KEY,
    user_name TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TEXT NOT NULL,
    success INTEGER NOT NULL
);
CREATE INDEX login_attempt_key ON login_attempt(user_name, ip, at);

CREATE TABLE plan (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    year INTEGER,
    issuer TEXT,
    region TEXT,
    state TEXT NOT NULL DEFAULT 'draft',
    source_name TEXT,
    source_text TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    assignment_confirmed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    adopted_at TEXT,
    adopted_by INTEGER REFERENCES app_user(id)
);

CREATE TABLE pillar (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    heading TEXT NOT NULL,
    subtitle TEXT
);
CREATE INDEX pillar_plan ON pillar(plan_id, position);

CREATE TABLE task (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    pillar_id INTEGER REFERENCES pillar(id) ON DELETE SET NULL,
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    text_start INTEGER,
    deadline TEXT,
    cadence TEXT NOT NULL DEFAULT 'quarterly',
    leads_separately INTEGER NOT NULL DEFAULT 0,
    carried_from INTEGER REFERENCES task(id) ON DELETE SET NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (plan_id, number)
);

CREATE TABLE target (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES task(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    phrase TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    metric TEXT NOT NULL,
    comparator TEXT NOT NULL,
    value REAL,
    low REAL,
    high REAL,
    unit TEXT,
    normalized REAL,
    commitment TEXT,
    baseline REAL,
    deadline TEXT,
    curve TEXT NOT NULL DEFAULT 'linear',
    milestones TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX target_task ON target(task_id, position);
CREATE INDEX target_plan ON target(plan_id);

CREATE TABLE task_unit (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES unit(id),
    role TEXT NOT NULL,
    position INTEGER NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    UNIQUE (task_id, unit_id)
);
CREATE INDEX task_unit_unit ON task_unit(unit_id);

CREATE TABLE adjustment (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES task(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    at TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL
);
CREATE INDEX adjustment_plan ON adjustment(plan_id, at);
