-- Oversight (issue 4): the hash-chained audit log, escalations, the in-app inbox and the
-- notification outbox. Same portable subset as 0001 (INTEGER flags, TEXT ISO-8601 UTC).

-- The audit chain's head: one row, updated in the same transaction as every append, so
-- concurrent appenders queue on it and the chain stays linear (seq without gaps).
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- duban.audit/1 entries (duban-core `audit`): every column except `hash` is hashed.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log(subject, seq);

-- Append-only by construction; someone with write access to the database file can drop
-- these triggers, which is what `duban audit verify` is for.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The office's escalation rules (duban-core `EscalationRules` as JSON); absent = defaults.
CREATE TABLE escalation_rules (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rules_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One record per (task, unit, ident): `ident` comes from `required_escalations`, so
-- re-running the computation inserts nothing twice.
CREATE TABLE escalation (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plan(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES unit(id),
    ident TEXT NOT NULL,
    level TEXT NOT NULL,
    level_rank INTEGER NOT NULL,
    trigger_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    respond_by TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'raised',
    response TEXT,
    responded_by INTEGER REFERENCES app_user(id),
    responded_at TEXT,
    office_note TEXT,
    closed_by INTEGER REFERENCES app_user(id),
    closed_at TEXT,
    demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (task_id, unit_id, ident)
);
CREATE INDEX escalation_plan ON escalation(plan_id, state);
CREATE INDEX escalation_unit ON escalation(unit_id, state);

-- In-app inbox: an item is addressed to a unit (its users) or to a role (e.g. admin).
CREATE TABLE inbox_item (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER REFERENCES unit(id) ON DELETE CASCADE,
    role TEXT,
    event TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX inbox_item_unit ON inbox_item(unit_id, id);
CREATE TABLE inbox_read (
    item_id INTEGER NOT NULL REFERENCES inbox_item(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    read_at TEXT NOT NULL,
    PRIMARY KEY (item_id, user_id)
);

-- E-mail contacts of units (recipients of their notifications).
CREATE TABLE unit_contact (
    unit_id INTEGER PRIMARY KEY REFERENCES unit(id) ON DELETE CASCADE,
    email TEXT NOT NULL
);

-- Delivery settings edited by the office (duban-notify `NotifierConfig` as JSON).
CREATE TABLE notify_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    config_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The durable outbox: a notification is inserted in the transaction of the event that
-- causes it; the worker expands it into one delivery per target (dispatched_at) and
-- delivers, recording every attempt.
CREATE TABLE notification (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    recipients_json TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    dispatched_at TEXT
);
CREATE INDEX notification_pending ON notification(dispatched_at, id);
CREATE TABLE notification_delivery (
    id INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notification(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (notification_id, channel, target)
);
CREATE INDEX notification_delivery_due ON notification_delivery(state, next_attempt_at);
