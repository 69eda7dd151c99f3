-- mesoformula stock store, schema version 1.
--
-- The journal is the single source of truth: balances are a fold over it. The
-- balance tables are a cache, kept in step inside every write transaction, and
-- rebuildable from the journal (`mesoformula stock verify` proves they agree).
-- Quantities are exact integers: containers, and volumes in microlitres (1 mL = 1000).

CREATE TABLE lots (
    lot_id      INTEGER PRIMARY KEY,
    product     TEXT    NOT NULL,
    lot         TEXT    NOT NULL,
    expiry      TEXT,               -- ISO date; NULL never expires
    received    TEXT,               -- ISO date
    gtin        TEXT,
    location    TEXT,
    nominal_ul  INTEGER NOT NULL CHECK (nominal_ul > 0),
    single_dose INTEGER NOT NULL CHECK (single_dose IN (0, 1)),
    in_use_days INTEGER,
    UNIQUE (product, lot)
);
CREATE INDEX lots_product ON lots (product);

CREATE TABLE containers (
    container_id INTEGER PRIMARY KEY,
    lot_id       INTEGER NOT NULL REFERENCES lots (lot_id),
    opened_at    TEXT    NOT NULL
);
CREATE INDEX containers_lot ON containers (lot_id);

-- Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE journal (
    entry_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT    NOT NULL,       -- when it happened (ISO date-time)
    recorded         TEXT    NOT NULL,       -- when it was written
    actor            TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN (
                         'receive', 'open', 'draw', 'discard', 'adjust',
                         'quarantine', 'release', 'recall', 'undo')),
    lot_id           INTEGER NOT NULL REFERENCES lots (lot_id),
    container_id     INTEGER REFERENCES containers (container_id),
    containers_delta INTEGER NOT NULL DEFAULT 0,   -- unopened containers
    volume_delta     INTEGER NOT NULL DEFAULT 0,   -- µL in container_id
    live_delta       INTEGER NOT NULL DEFAULT 0,   -- +1 opened, -1 closed (emptied, discarded)
    status           TEXT,                         -- status set by this entry
    status_before    TEXT,                         -- status it replaced (for undo)
    reason           TEXT    NOT NULL DEFAULT '',
    correlation      TEXT,                         -- batch id, count id, import id
    undoes           INTEGER UNIQUE REFERENCES journal (entry_id),
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL
);
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

-- Batches consumed: the idempotency key and what was drawn (the compounding record
-- reads it). Append-only as well.
CREATE TABLE batches (
    batch_id     TEXT PRIMARY KEY,
    formulation  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    checksum     TEXT NOT NULL,
    batches      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    plan         TEXT NOT NULL,      -- JSON: allocations, exclusions
    record       TEXT NOT NULL       -- JSON: formulation, worksheet, checks at the time
);
CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches
BEGIN
    SELECT RAISE(ABORT, 'consumed batches cannot be changed');
END;
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
BEGIN
    SELECT RAISE(ABORT, 'consumed batches cannot be deleted');
END;

-- The cache: a fold of the journal.
CREATE TABLE lot_balance (
    lot_id   INTEGER PRIMARY KEY REFERENCES lots (lot_id),
    unopened INTEGER NOT NULL CHECK (unopened >= 0),
    status   TEXT    NOT NULL
);
CREATE TABLE container_balance (
    container_id INTEGER PRIMARY KEY REFERENCES containers (container_id),
    remaining_ul INTEGER NOT NULL CHECK (remaining_ul >= 0),
    live         INTEGER NOT NULL CHECK (live IN (0, 1))
);
