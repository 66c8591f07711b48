-- Audit entries sealed after commit (issue 9, write load). A write transaction appends its
-- entry unsealed (no seq, prev_hash, hash); the sealer — one transaction at a time, under
-- an advisory lock — links the committed unsealed entries, oldest `id` first, to the chain
-- head and gives each its chain seq and hash (`duban-store/src/audit.rs`). Writers no
-- longer take the audit_head row lock and hold it to their commit, so they commit together.
--
-- `id` orders entries as they were appended; `seq` is the chain position (NULL until
-- sealed). Existing entries keep id = seq.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
ALTER TABLE audit_log ADD COLUMN id BIGINT;
UPDATE audit_log SET id = seq;
ALTER TABLE audit_log ALTER COLUMN id SET NOT NULL;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);
ALTER TABLE audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log), false);
ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);
DROP INDEX audit_log_subject;
CREATE INDEX audit_log_subject ON audit_log(subject, id);

-- Append-only, except sealing: an unsealed entry may get its seq, prev_hash and hash once,
-- nothing else of it changes. Someone with write access to the database can drop the
-- trigger, which is what `duban audit verify` is for.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.subject = OLD.subject AND NEW.payload = OLD.payload
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;
