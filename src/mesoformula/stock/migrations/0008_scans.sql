-- mesoformula stock store, schema version 8: GS1 scans at receipt. A box scanned with a
-- serial (AI 21) is received once: the serial of each GTIN is kept here, append-only,
-- with the journal entry that received it (whose reason names the serial, in the hash
-- chain).
CREATE TABLE scans (
    scan_id INTEGER PRIMARY KEY AUTOINCREMENT,
    gtin    TEXT    NOT NULL,
    serial  TEXT    NOT NULL,
    product TEXT    NOT NULL,
    lot     TEXT    NOT NULL,
    at      TEXT    NOT NULL,
    entry   INTEGER NOT NULL REFERENCES journal (entry_id),
    UNIQUE (gtin, serial)
);
CREATE TRIGGER scans_no_update BEFORE UPDATE ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans cannot be changed');
END;
CREATE TRIGGER scans_no_delete BEFORE DELETE ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans cannot be deleted');
END;
