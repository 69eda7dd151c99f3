-- mesoformula stock store, schema version 12: complications (SPEC §9.4). An event is
-- what a patient reported after a session (an allergic reaction, a nodule, an
-- infection, ...), linked to the batch it followed (and the administration, when known).
-- Append-only, every row sealed in the journal like an administration, so that verify
-- proves what was reported.
CREATE TABLE events (
    event_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    patient           TEXT    NOT NULL CHECK (length(trim(patient)) > 0),
    kind              TEXT    NOT NULL CHECK (kind IN ('allergic-reaction', 'nodule',
                                'infection', 'bruising', 'swelling', 'pain', 'rash',
                                'itching', 'nausea', 'tissue-damage', 'other')),
    severity          TEXT    NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe',
                                'life-threatening')),
    onset             TEXT    NOT NULL,
    at                TEXT    NOT NULL,
    actor             TEXT    NOT NULL,
    batch_id          TEXT    NOT NULL REFERENCES batches (batch_id),
    administration_id INTEGER REFERENCES administrations (administration_id),
    organism          TEXT    CHECK (organism IS NULL OR kind = 'infection'),
    description       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_patient ON events (patient);
CREATE INDEX events_batch ON events (batch_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events cannot be changed: record a new one');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events cannot be deleted: record a new one');
END;
