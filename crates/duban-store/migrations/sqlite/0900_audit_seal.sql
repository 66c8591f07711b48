-- Audit entries sealed after commit (issue 9, write load). A write transaction appends its
-- entry unsealed (no seq, prev_hash, hash); the sealer — one transaction at a time — links
-- the committed unsealed entries, oldest `id` first, to the chain head and gives each its
-- chain seq and hash (`duban-store/src/audit.rs`). On SQLite every writer holds the write
-- lock and seals its own entry before it commits, so entries never stay unsealed here; on
-- PostgreSQL writers no longer queue on the audit_head row.
--
-- `id` orders entries as they were appended; `seq` is the chain position (NULL until
-- sealed). Existing entries keep id = seq.
CREATE TABLE audit_log_sealed (
    seq INTEGER,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT,
    hash TEXT,
    id INTEGER PRIMARY KEY
);
INSERT INTO audit_log_sealed (id, seq, at, actor, action, subject, payload, prev_hash, hash)
SELECT seq, seq, at, actor, action, subject, payload, prev_hash, hash FROM audit_log ORDER BY seq;
-- Dropping a table drops its triggers first; the append-only guards are re-created below.
DROP TABLE audit_log;
ALTER TABLE audit_log_sealed RENAME TO audit_log;
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);
CREATE INDEX audit_log_subject ON audit_log(subject, id);

-- Append-only, except sealing: an unsealed entry may get its seq, prev_hash and hash once,
-- nothing else of it changes. Someone with write access to the database file can drop
-- these triggers, which is what `duban audit verify` is for.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
      AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
      AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
      AND NEW.action = OLD.action AND NEW.subject = OLD.subject AND NEW.payload = OLD.payload)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
