-- Other names of a unit (简称, former names) used to match unit names in uploaded plans.
CREATE TABLE unit_alias (
    alias TEXT PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX unit_alias_unit ON unit_alias(unit_id);
