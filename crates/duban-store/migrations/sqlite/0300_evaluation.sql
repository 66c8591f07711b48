-- Evaluation (issue 5, 综合评价): data sets, methods (duban.eval/1 TOML), runs and published
-- snapshots (duban.eval.snapshot/1). Same portable subset as 0001 (INTEGER flags, TEXT
-- ISO-8601 UTC timestamps).

-- Methods: the duban.eval/1 text as saved (validated by the same parser as the CLI).
CREATE TABLE eval_method (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Data sets: the file as uploaded (or generated from accepted reports), with its SHA-256;
-- `method_id` is the method it was checked against when saved.
CREATE TABLE eval_dataset (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    units INTEGER NOT NULL,
    method_id INTEGER REFERENCES eval_method(id),
    demo INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL
);

-- Runs: the method text as run and the full snapshot JSON (data, method, engine, result).
CREATE TABLE eval_run (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES eval_dataset(id),
    method_id INTEGER REFERENCES eval_method(id),
    method_name TEXT NOT NULL,
    spec TEXT NOT NULL,
    previous_run_id INTEGER REFERENCES eval_run(id),
    snapshot TEXT NOT NULL,
    engine TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    method_hash TEXT NOT NULL,
    units INTEGER NOT NULL,
    millis INTEGER NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL
);
CREATE INDEX eval_run_dataset ON eval_run(dataset_id, id);

-- Published snapshots: the exact bytes served for download and `duban eval verify`.
CREATE TABLE eval_snapshot (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL UNIQUE REFERENCES eval_run(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    engine TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    method_hash TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    published_by INTEGER REFERENCES app_user(id),
    published_at TEXT NOT NULL
);

-- Immutable once published.
CREATE TRIGGER eval_snapshot_no_update BEFORE UPDATE ON eval_snapshot
BEGIN SELECT RAISE(ABORT, 'eval_snapshot is immutable'); END;
CREATE TRIGGER eval_snapshot_no_delete BEFORE DELETE ON eval_snapshot
BEGIN SELECT RAISE(ABORT, 'eval_snapshot is immutable'); END;
