-- mesoformula stock store, schema version 5: seals. A 'seal' entry (no movement)
-- carries the facts of a consumed batch, a void or an import in the hash chain, so that
-- verify proves the compounding record's data is what was written. The journal is
-- rebuilt once to allow the new kind; every entry keeps its id, fields and hash.
-- seal_era records the first entry written under seals: a batch whose entries all come
-- before it was consumed by an older mesoformula and has no seal (verify says so).
CREATE TABLE seal_era (
    from_entry INTEGER NOT NULL
);
INSERT INTO seal_era (from_entry) SELECT COALESCE(MAX(entry_id), 0) + 1 FROM journal;
DROP TRIGGER journal_no_update;
DROP TRIGGER journal_no_delete;
CREATE TABLE journal_v5 (
    entry_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT    NOT NULL,
    recorded         TEXT    NOT NULL,
    actor            TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN (
                         'receive', 'open', 'draw', 'discard', 'adjust',
                         'quarantine', 'release', 'recall', 'undo', 'seal')),
    lot_id           INTEGER NOT NULL REFERENCES lots (lot_id),
    container_id     INTEGER REFERENCES containers (container_id),
    containers_delta INTEGER NOT NULL DEFAULT 0,
    volume_delta     INTEGER NOT NULL DEFAULT 0,
    live_delta       INTEGER NOT NULL DEFAULT 0,
    status           TEXT,
    status_before    TEXT,
    reason           TEXT    NOT NULL DEFAULT '',
    correlation      TEXT,
    undoes           INTEGER UNIQUE REFERENCES journal_v5 (entry_id),
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL,
    facts            TEXT
);
INSERT INTO journal_v5 SELECT entry_id, at, recorded, actor, kind, lot_id, container_id,
    containers_delta, volume_delta, live_delta, status, status_before, reason, correlation,
    undoes, prev_hash, hash, facts FROM journal ORDER BY entry_id;
DROP TABLE journal;
ALTER TABLE journal_v5 RENAME TO journal;
CREATE INDEX journal_lot ON journal (lot_id);
CREATE INDEX journal_correlation ON journal (correlation);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be changed');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be deleted');
END;
