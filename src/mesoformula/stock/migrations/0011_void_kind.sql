-- mesoformula stock store, schema version 11: how a batch was voided (SPEC §9.5).
-- 'not-prepared': a recording mistake, the stock came back as it was before the batch;
-- 'destroyed': it was made and discarded, the stock stays used. Voids before have none
-- (they reversed the batch, as 'not-prepared' does). Sealed with the void when set.
ALTER TABLE voids ADD COLUMN kind TEXT CHECK (kind IS NULL OR kind IN ('not-prepared', 'destroyed'));
