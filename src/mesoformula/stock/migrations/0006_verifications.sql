-- mesoformula stock store, schema version 6: release. A pharmacist other than the
-- preparer verifies a consumed batch; append-only, and sealed in the journal like a
-- batch or a void, so that verify proves who released it.
CREATE TABLE verifications (
    batch_id TEXT PRIMARY KEY REFERENCES batches (batch_id),
    at       TEXT NOT NULL,
    verifier TEXT NOT NULL CHECK (length(trim(verifier)) > 0)
);
CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications
BEGIN
    SELECT RAISE(ABORT, 'verifications cannot be changed');
END;
CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications
BEGIN
    SELECT RAISE(ABORT, 'verifications cannot be deleted');
END;
