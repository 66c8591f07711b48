-- Publish (issue 14): see the SQLite migration of the same name.
CREATE TABLE publication (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    plan_id BIGINT REFERENCES plan(id),
    snapshot_id BIGINT REFERENCES eval_snapshot(id),
    as_of TEXT,
    method TEXT NOT NULL,
    series TEXT,
    year BIGINT,
    number BIGINT,
    content TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    published_by BIGINT REFERENCES app_user(id),
    published_at TEXT NOT NULL
);
CREATE UNIQUE INDEX publication_number ON publication(series, year, number);
CREATE INDEX publication_plan ON publication(plan_id, id);
CREATE FUNCTION publication_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'publication is immutable';
END;
$$;
CREATE TRIGGER publication_no_change BEFORE UPDATE OR DELETE ON publication
FOR EACH ROW EXECUTE FUNCTION publication_immutable();

CREATE TABLE publication_withdrawal (
    publication_id BIGINT PRIMARY KEY REFERENCES publication(id),
    reason TEXT NOT NULL,
    withdrawn_by BIGINT REFERENCES app_user(id),
    withdrawn_at TEXT NOT NULL
);

CREATE TABLE bulletin_draft (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plan(id),
    series TEXT NOT NULL,
    year BIGINT NOT NULL,
    content TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    drafted_by BIGINT REFERENCES app_user(id),
    drafted_at TEXT NOT NULL,
    reviewed_by BIGINT REFERENCES app_user(id),
    reviewed_at TEXT,
    issued_by BIGINT REFERENCES app_user(id),
    issued_at TEXT,
    publication_id BIGINT REFERENCES publication(id)
);
