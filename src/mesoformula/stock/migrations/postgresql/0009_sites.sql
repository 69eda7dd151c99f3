-- mesoformula stock store on PostgreSQL, schema version 9: sites (as the SQLite
-- migration of the same number). A lot number may be at several sites, one row each.
ALTER TABLE lots ADD COLUMN site TEXT NOT NULL DEFAULT 'main' CHECK (length(trim(site)) > 0);
ALTER TABLE lots DROP CONSTRAINT lots_product_lot_key;
ALTER TABLE lots ADD CONSTRAINT lots_product_lot_site_key UNIQUE (product, lot, site);
CREATE INDEX lots_site ON lots (site);
