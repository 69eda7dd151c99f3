-- mesoformula: foreign-keys-off
-- mesoformula stock store, schema version 9: sites. A clinic group keeps its stock in
-- one store and each lot at a site (the lots of a store made before are at 'main'); a
-- lot number may be at several sites, one row each, so the lots table is rebuilt with
-- the site in its key. Every lot keeps its id and values; SQLite's procedure for a new
-- key (foreign keys off for this migration, checked before it commits).
CREATE TABLE lots_v9 (
    lot_id      INTEGER PRIMARY KEY,
    product     TEXT    NOT NULL,
    lot         TEXT    NOT NULL,
    expiry      TEXT,
    received    TEXT,
    gtin        TEXT,
    location    TEXT,
    nominal_ul  INTEGER NOT NULL CHECK (nominal_ul > 0),
    single_dose INTEGER NOT NULL CHECK (single_dose IN (0, 1)),
    in_use_days INTEGER,
    site        TEXT    NOT NULL DEFAULT 'main' CHECK (length(trim(site)) > 0),
    UNIQUE (product, lot, site)
);
INSERT INTO lots_v9 (lot_id, product, lot, expiry, received, gtin, location, nominal_ul,
    single_dose, in_use_days)
    SELECT lot_id, product, lot, expiry, received, gtin, location, nominal_ul, single_dose,
    in_use_days FROM lots ORDER BY lot_id;
DROP TABLE lots;
ALTER TABLE lots_v9 RENAME TO lots;
CREATE INDEX lots_product ON lots (product);
CREATE INDEX lots_site ON lots (site);
