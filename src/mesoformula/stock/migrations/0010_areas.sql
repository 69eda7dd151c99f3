-- mesoformula stock store, schema version 10: where a dose went (SPEC §9.1). An
-- administration may name its treatment area; rows before have none. The area is
-- sealed with the row (the seal's facts carry it when it is set).
ALTER TABLE administrations ADD COLUMN area TEXT CHECK (area IS NULL OR length(trim(area)) > 0);
CREATE INDEX administrations_patient_at ON administrations (patient, at);
