-- mesoformula stock store on PostgreSQL, schema version 11: how a batch was voided (as the
-- SQLite migration of the same number).
ALTER TABLE voids ADD COLUMN kind TEXT CHECK (kind IS NULL OR kind IN ('not-prepared', 'destroyed'));
