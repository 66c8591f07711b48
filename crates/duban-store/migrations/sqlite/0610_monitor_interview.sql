-- Monitor 约谈 on the escalation ladder (issue 13): an escalation record is about a plan
-- task's duty (task_id, as before) or a monitor alert (alert_id) whose 约谈 the office
-- recorded; `escalation_interview` keeps who held a 约谈, when, with whom and what came of
-- it. SQLite cannot drop NOT NULL in place, so the table is rebuilt (nothing references it).

CREATE TABLE escalation_new (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER REFERENCES plan(id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES task(id) ON DELETE CASCADE,
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
    alert_id INTEGER REFERENCES monitor_alert(id),
    UNIQUE (task_id, unit_id, ident),
    CHECK ((task_id IS NULL) <> (alert_id IS NULL))
);
INSERT INTO escalation_new (id, plan_id, task_id, unit_id, ident, level, level_rank, trigger_json,
    reason, raised_on, respond_by, state, response, responded_by, responded_at, office_note,
    closed_by, closed_at, demo, created_at)
SELECT id, plan_id, task_id, unit_id, ident, level, level_rank, trigger_json,
    reason, raised_on, respond_by, state, response, responded_by, responded_at, office_note,
    closed_by, closed_at, demo, created_at FROM escalation;
DROP TABLE escalation;
ALTER TABLE escalation_new RENAME TO escalation;
CREATE INDEX escalation_plan ON escalation(plan_id, state);
CREATE INDEX escalation_unit ON escalation(unit_id, state);
-- One 约谈 record per alert.
CREATE UNIQUE INDEX escalation_alert ON escalation(alert_id);

CREATE TABLE escalation_interview (
    escalation_id INTEGER PRIMARY KEY REFERENCES escalation(id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    held_by TEXT NOT NULL,
    attendees TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_by INTEGER REFERENCES app_user(id),
    recorded_at TEXT NOT NULL
);
