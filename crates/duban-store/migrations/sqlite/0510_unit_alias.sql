-- Other names of a unit (简称, former names) used to match unit names in uploaded plans.
CREATE TABLE unit_alias (
    alias TEXT PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX unit_alias_unit ON unit_alias(unit_id);

-- A unit created from a name in an uploaded plan that matched no unit: the office reviews it
-- (keeps it, with its kind, or merges it into an existing unit) before the plan is adopted.
ALTER TABLE unit ADD COLUMN review INTEGER NOT NULL DEFAULT 0;
