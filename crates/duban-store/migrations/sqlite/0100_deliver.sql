-- Deliver (issue 4): working-day calendar override, reporting periods, reports with their
-- values, submitted versions, workflow events and evidence files.
-- Same portable subset as 0001 (INTEGER flags, TEXT ISO-8601 UTC timestamps, TEXT dates
-- YYYY-MM-DD, REAL numbers).

-- Office-edited calendar (text format of data/calendar/cn-2019-2027.txt). The newest row
-- is in force; older rows are the edit history. No row = the shipped calendar.
CREATE TABLE work_calendar (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    user_id INTEGER REFERENCES app_user(id),
    at TEXT NOT NULL
);

-- Reporting periods of a plan, one row per (plan, key), generated from the cadences its
-- tasks use (duban-core `period::periods`); due dates follow the calendar in force.
CREATE TABLE period (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    cadence TEXT NOT NULL,
    label TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    UNIQUE (plan_id, key)
);

-- One report per (task, period, unit): the 督办 template and the workflow state.
CREATE TABLE report (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,
    period_id INTEGER NOT NULL REFERENCES period(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES unit(id),
    state TEXT NOT NULL DEFAULT 'draft',
    progress TEXT NOT NULL DEFAULT '',
    problems TEXT NOT NULL DEFAULT '',
    next_steps TEXT NOT NULL DEFAULT '',
    milestone TEXT,
    milestone_share REAL,
    version INTEGER NOT NULL DEFAULT 1,
    first_submitted_at TEXT,
    submitted_at TEXT,
    submitted_by INTEGER REFERENCES app_user(id),
    reviewed_at TEXT,
    reviewed_by INTEGER REFERENCES app_user(id),
    review_comment TEXT,
    demo INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_id, period_id, unit_id)
);
CREATE INDEX report_plan ON report(plan_id, state);
CREATE INDEX report_unit ON report(unit_id, period_id);

-- The current value of each quantitative target, with the date it refers to.
CREATE TABLE report_value (
    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES target(id) ON DELETE CASCADE,
    value REAL,
    as_of TEXT NOT NULL,
    PRIMARY KEY (report_id, target_id)
);

-- Every submitted version, frozen (JSON of the template, values and milestone).
CREATE TABLE report_version (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id),
    at TEXT NOT NULL,
    content TEXT NOT NULL,
    UNIQUE (report_id, number)
);

-- Workflow history: every transition with who, when and the comment or reason.
CREATE TABLE report_event (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    user_id INTEGER REFERENCES app_user(id),
    at TEXT NOT NULL,
    comment TEXT
);
CREATE INDEX report_event_report ON report_event(report_id, id);

-- Evidence files, stored once per SHA-256 in the database (transactional on both
-- engines, so an acknowledged upload survives kill -9 like the report it belongs to).
CREATE TABLE evidence_blob (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES evidence_blob(sha256),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id),
    at TEXT NOT NULL
);
CREATE INDEX evidence_report ON evidence(report_id);
