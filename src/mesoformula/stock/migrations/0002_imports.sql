-- mesoformula stock store, schema version 2: the stock sheets imported, by content.
-- Importing a sheet whose content (SHA-256 of its bytes) was imported already is
-- refused unless asked again; the table is append-only like the journal.
CREATE TABLE imports (
    import_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    lots       INTEGER NOT NULL
);
CREATE INDEX imports_sha256 ON imports (sha256);
CREATE TRIGGER imports_no_update BEFORE UPDATE ON imports
BEGIN
    SELECT RAISE(ABORT, 'imports are append-only');
END;
CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports
BEGIN
    SELECT RAISE(ABORT, 'imports are append-only');
END;
