-- 亩均效益评价 in the web platform (issue 12, part 3): schemes (the duban.eval/1 firm-level
-- TOML with the columns used for region and firm name, and the policy table by grade),
-- firm data sets (the file as uploaded, checked against its scheme), runs as background jobs
-- (queued → running → done | failed | cancelled) with one row per firm so result pages read
-- slices, 公示 objections (异议) and final snapshots (immutable).

CREATE TABLE muni_scheme (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    region_column TEXT,
    name_column TEXT,
    policy TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE muni_dataset (
    id INTEGER PRIMARY KEY,
    scheme_id INTEGER NOT NULL REFERENCES muni_scheme(id),
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    firms INTEGER NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    corrects_run_id INTEGER,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL
);
CREATE INDEX muni_dataset_scheme ON muni_dataset(scheme_id, id);

CREATE TABLE muni_run (
    id INTEGER PRIMARY KEY,
    scheme_id INTEGER NOT NULL REFERENCES muni_scheme(id),
    dataset_id INTEGER NOT NULL REFERENCES muni_dataset(id),
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    message TEXT,
    cancel INTEGER NOT NULL DEFAULT 0,
    -- The worker's lease (UTC): a running job whose lease has passed is taken over.
    lease_until TEXT,
    firms INTEGER,
    evaluated INTEGER,
    engine TEXT,
    data_hash TEXT,
    method_hash TEXT,
    summary TEXT,
    millis INTEGER,
    demo INTEGER NOT NULL DEFAULT 0,
    previous_run_id INTEGER REFERENCES muni_run(id),
    publicity_from TEXT,
    publicity_until TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX muni_run_scheme ON muni_run(scheme_id, id);

CREATE TABLE muni_firm (
    run_id INTEGER NOT NULL REFERENCES muni_run(id),
    seq INTEGER NOT NULL,
    -- Position in the result order (rank within class, class, input order; excluded last).
    ord INTEGER NOT NULL,
    firm TEXT NOT NULL,
    name TEXT,
    region TEXT,
    class TEXT NOT NULL,
    score REAL,
    adjust REAL NOT NULL,
    rank INTEGER,
    grade TEXT,
    excluded TEXT,
    leader INTEGER NOT NULL,
    vals TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX muni_firm_ord ON muni_firm(run_id, ord);
CREATE INDEX muni_firm_class ON muni_firm(run_id, class, ord);
CREATE INDEX muni_firm_grade ON muni_firm(run_id, grade, ord);
CREATE INDEX muni_firm_id ON muni_firm(run_id, firm);

CREATE TABLE muni_objection (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES muni_run(id),
    firm TEXT NOT NULL,
    body TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES app_user(id),
    decision TEXT,
    note TEXT,
    decided_by INTEGER REFERENCES app_user(id),
    decided_at TEXT
);
CREATE INDEX muni_objection_run ON muni_objection(run_id, id);

CREATE TABLE muni_final (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL UNIQUE REFERENCES muni_run(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    method_hash TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    published_by INTEGER REFERENCES app_user(id),
    published_at TEXT NOT NULL
);
CREATE TRIGGER muni_final_no_update BEFORE UPDATE ON muni_final
BEGIN SELECT RAISE(ABORT, 'muni_final is immutable'); END;
CREATE TRIGGER muni_final_no_delete BEFORE DELETE ON muni_final
BEGIN SELECT RAISE(ABORT, 'muni_final is immutable'); END;
