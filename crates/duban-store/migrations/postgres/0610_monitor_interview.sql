-- Monitor 约谈 on the escalation ladder (issue 13): an escalation record is about a plan
-- task's duty (task_id, as before) or a monitor alert (alert_id) whose 约谈 the office
-- recorded; `escalation_interview` keeps who held a 约谈, when, with whom and what came of
-- it. (The SQLite file rebuilds the table to the same schema.)

ALTER TABLE escalation ALTER COLUMN plan_id DROP NOT NULL;
ALTER TABLE escalation ALTER COLUMN task_id DROP NOT NULL;
ALTER TABLE escalation ADD COLUMN alert_id BIGINT REFERENCES monitor_alert(id);
ALTER TABLE escalation ADD CONSTRAINT escalation_source
    CHECK ((task_id IS NULL) <> (alert_id IS NULL));
-- One 约谈 record per alert.
CREATE UNIQUE INDEX escalation_alert ON escalation(alert_id);

CREATE TABLE escalation_interview (
    escalation_id BIGINT PRIMARY KEY REFERENCES escalation(id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    held_by TEXT NOT NULL,
    attendees TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_by BIGINT REFERENCES app_user(id),
    recorded_at TEXT NOT NULL
);
