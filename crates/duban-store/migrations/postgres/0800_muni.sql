-- 亩均效益评价 in the web platform (issue 12, part 3): schemes (the duban.eval/1 firm-level
-- TOML with the columns used for region and firm name, and the policy table by grade),
-- firm data sets (the file as uploaded, checked against its scheme), runs as background jobs
-- (queued → running → done | failed | cancelled) with one row per firm so result pages read
-- slices, 公示 objections (异议) and final snapshots (immutable).

CREATE TABLE muni_scheme (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    region_column TEXT,
    name_column TEXT,
    policy TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE muni_dataset (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scheme_id BIGINT NOT NULL REFERENCES muni_scheme(id),
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    firms BIGINT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    corrects_run_id BIGINT,
    created_by BIGINT REFERENCES app_user(id),
    created_at TEXT NOT NULL
);
CREATE INDEX muni_dataset_scheme ON muni_dataset(scheme_id, id);

CREATE TABLE muni_run (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scheme_id BIGINT NOT NULL REFERENCES muni_scheme(id),
    dataset_id BIGINT NOT NULL REFERENCES muni_dataset(id),
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    progress BIGINT NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    message TEXT,
    cancel BIGINT NOT NULL DEFAULT 0,
    -- The worker's lease (UTC): a running job whose lease has passed is taken over.
    lease_until TEXT,
    firms BIGINT,
    evaluated BIGINT,
    engine TEXT,
    data_hash TEXT,
    method_hash TEXT,
    summary TEXT,
    millis BIGINT,
    demo BIGINT NOT NULL DEFAULT 0,
    previous_run_id BIGINT REFERENCES muni_run(id),
    publicity_from TEXT,
    publicity_until TEXT,
    created_by BIGINT REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX muni_run_scheme ON muni_run(scheme_id, id);

CREATE TABLE muni_firm (
    run_id BIGINT NOT NULL REFERENCES muni_run(id),
    seq BIGINT NOT NULL,
    -- Position in the result order (rank within class, class, input order; excluded last).
    ord BIGINT NOT NULL,
    firm TEXT NOT NULL,
    name TEXT,
    region TEXT,
    class TEXT NOT NULL,
    score DOUBLE PRECISION,
    adjust DOUBLE PRECISION NOT NULL,
    rank BIGINT,
    grade TEXT,
    excluded TEXT,
    leader BIGINT NOT NULL,
    vals TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX muni_firm_ord ON muni_firm(run_id, ord);
CREATE INDEX muni_firm_class ON muni_firm(run_id, class, ord);
CREATE INDEX muni_firm_grade ON muni_firm(run_id, grade, ord);
CREATE INDEX muni_firm_id ON muni_firm(run_id, firm);

CREATE TABLE muni_objection (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES muni_run(id),
    firm TEXT NOT NULL,
    body TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    recorded_by BIGINT REFERENCES app_user(id),
    decision TEXT,
    note TEXT,
    decided_by BIGINT REFERENCES app_user(id),
    decided_at TEXT
);
CREATE INDEX muni_objection_run ON muni_objection(run_id, id);

CREATE TABLE muni_final (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id BIGINT NOT NULL UNIQUE REFERENCES muni_run(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    method_hash TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    published_by BIGINT REFERENCES app_user(id),
    published_at TEXT NOT NULL
);
CREATE FUNCTION muni_final_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'muni_final is immutable';
END;
$$;
CREATE TRIGGER muni_final_no_change BEFORE UPDATE OR DELETE ON muni_final
FOR EACH ROW EXECUTE FUNCTION muni_final_immutable();
