-- mesoformula stock store, schema version 3: batches voided (reversed whole), with the
-- reason. Append-only: a void is never undone; the batch's entries stay in the journal
-- with their compensating entries.
CREATE TABLE voids (
    batch_id TEXT PRIMARY KEY REFERENCES batches (batch_id),
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL CHECK (length(trim(reason)) > 0)
);
CREATE TRIGGER voids_no_update BEFORE UPDATE ON voids
BEGIN
    SELECT RAISE(ABORT, 'voids cannot be changed');
END;
CREATE TRIGGER voids_no_delete BEFORE DELETE ON voids
BEGIN
    SELECT RAISE(ABORT, 'voids cannot be deleted');
END;
