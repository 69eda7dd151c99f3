-- mesoformula stock store, schema version 7: the treatment course. An administration
-- is a dose given to a patient from a consumed batch ('give'); a mistaken one is
-- undone by a compensating row ('undo', naming it, with a reason). Append-only, and
-- every row sealed in the journal like a batch, so that verify proves what was given.
-- doses: JSON object ingredient -> [amount, unit] given (concentration x volume).
CREATE TABLE administrations (
    administration_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT    NOT NULL CHECK (kind IN ('give', 'undo')),
    batch_id  TEXT    NOT NULL REFERENCES batches (batch_id),
    patient   TEXT    NOT NULL CHECK (length(trim(patient)) > 0),
    at        TEXT    NOT NULL,
    volume_ul INTEGER NOT NULL CHECK ((kind = 'give' AND volume_ul > 0)
                                      OR (kind = 'undo' AND volume_ul < 0)),
    actor     TEXT    NOT NULL,
    doses     TEXT    NOT NULL,
    reason    TEXT    NOT NULL DEFAULT '',
    undoes    INTEGER UNIQUE REFERENCES administrations (administration_id),
    CHECK ((kind = 'give') = (undoes IS NULL)),
    CHECK (kind = 'give' OR length(trim(reason)) > 0)
);
CREATE INDEX administrations_patient ON administrations (patient);
CREATE INDEX administrations_batch ON administrations (batch_id);
CREATE TRIGGER administrations_no_update BEFORE UPDATE ON administrations
BEGIN
    SELECT RAISE(ABORT, 'administrations cannot be changed: undo one with a reason');
END;
CREATE TRIGGER administrations_no_delete BEFORE DELETE ON administrations
BEGIN
    SELECT RAISE(ABORT, 'administrations cannot be deleted: undo one with a reason');
END;
