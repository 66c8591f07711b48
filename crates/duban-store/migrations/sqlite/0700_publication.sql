-- Publish (issue 14): publications are immutable (content, method, data hash); withdrawal is
-- a row of its own, never a delete. Bulletins (通报) are drafted, reviewed and issued
-- (起草 → 审核 → 签发) in `bulletin_draft`; issuing copies the reviewed content into a
-- publication with the next number of its series and year.
CREATE TABLE publication (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    plan_id INTEGER REFERENCES plan(id),
    snapshot_id INTEGER REFERENCES eval_snapshot(id),
    as_of TEXT,
    method TEXT NOT NULL,
    series TEXT,
    year INTEGER,
    number INTEGER,
    content TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    published_by INTEGER REFERENCES app_user(id),
    published_at TEXT NOT NULL
);
CREATE UNIQUE INDEX publication_number ON publication(series, year, number);
CREATE INDEX publication_plan ON publication(plan_id, id);
CREATE TRIGGER publication_no_update BEFORE UPDATE ON publication
BEGIN SELECT RAISE(ABORT, 'publication is immutable'); END;
CREATE TRIGGER publication_no_delete BEFORE DELETE ON publication
BEGIN SELECT RAISE(ABORT, 'publication is immutable'); END;

CREATE TABLE publication_withdrawal (
    publication_id INTEGER PRIMARY KEY REFERENCES publication(id),
    reason TEXT NOT NULL,
    withdrawn_by INTEGER REFERENCES app_user(id),
    withdrawn_at TEXT NOT NULL
);

CREATE TABLE bulletin_draft (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id),
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    content TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    drafted_by INTEGER REFERENCES app_user(id),
    drafted_at TEXT NOT NULL,
    reviewed_by INTEGER REFERENCES app_user(id),
    reviewed_at TEXT,
    issued_by INTEGER REFERENCES app_user(id),
    issued_at TEXT,
    publication_id INTEGER REFERENCES publication(id)
);
