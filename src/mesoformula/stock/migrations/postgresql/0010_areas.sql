-- mesoformula stock store on PostgreSQL, schema version 10: where a dose went (as the
-- SQLite migration of the same number).
ALTER TABLE administrations ADD COLUMN area TEXT CHECK (area IS NULL OR length(trim(area)) > 0);
CREATE INDEX administrations_patient_at ON administrations (patient, at);
