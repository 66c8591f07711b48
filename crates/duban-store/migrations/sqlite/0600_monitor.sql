-- Monitor (issue 13, 监测预警): the indicator catalogue, regions (GB/T 2260), indicator
-- series with vintages (a revision is a new row, never an update), the office's warning
-- rules (duban.monitor/1 TOML, newest in force) and alerts with their lifecycle
-- (raised → acknowledged → 约谈 → closed with a note). Same portable subset as 0001.

CREATE TABLE monitor_region (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT REFERENCES monitor_region(code),
    created_at TEXT NOT NULL
);

CREATE TABLE monitor_indicator (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    unit TEXT NOT NULL DEFAULT '',
    frequency TEXT,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    release_lag_days INTEGER,
    numerator TEXT,
    denominator TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One uploaded file (wide table or series CSV), stored all or nothing.
CREATE TABLE monitor_import (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_added INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    demo INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL
);

-- Vintages: `published` is the date from which the value is known (the bulletin's date, or
-- the day after the period ends). The latest published row on or before D is "as known on D".
CREATE TABLE monitor_value (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL REFERENCES monitor_region(code),
    indicator TEXT NOT NULL REFERENCES monitor_indicator(name),
    period TEXT NOT NULL,
    value REAL NOT NULL,
    published TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES monitor_import(id),
    demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (region, indicator, period, published)
);
CREATE INDEX monitor_value_series ON monitor_value(indicator, region, period, published);

CREATE TRIGGER monitor_value_no_update BEFORE UPDATE ON monitor_value
BEGIN SELECT RAISE(ABORT, 'monitor_value is append-only: a revision is a new vintage'); END;

CREATE TABLE monitor_rules (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL
);

CREATE TABLE monitor_alert (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES monitor_region(code),
    indicator TEXT NOT NULL,
    period TEXT NOT NULL,
    level TEXT NOT NULL,
    value REAL NOT NULL,
    as_of TEXT NOT NULL,
    state TEXT NOT NULL,
    acknowledged_by INTEGER REFERENCES app_user(id),
    acknowledged_at TEXT,
    interview_record TEXT,
    interviewed_by INTEGER REFERENCES app_user(id),
    interviewed_at TEXT,
    close_note TEXT,
    closed_by INTEGER REFERENCES app_user(id),
    closed_at TEXT,
    demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (rule, region, indicator, period)
);
CREATE INDEX monitor_alert_state ON monitor_alert(state, id);

-- A plan target bound to an indicator series (issue 13: headline goals tracked from
-- statistics); `reference_*` is the series a `higher_than` / `in_step_with` target compares to.
CREATE TABLE monitor_binding (
    target_id INTEGER PRIMARY KEY REFERENCES target(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL REFERENCES monitor_indicator(name),
    region TEXT NOT NULL REFERENCES monitor_region(code),
    reference_indicator TEXT REFERENCES monitor_indicator(name),
    reference_region TEXT REFERENCES monitor_region(code),
    created_at TEXT NOT NULL
);
