-- mesoformula stock store, schema version 4: every journal entry written from now on
-- carries the facts it depends on (its lot's product, number, expiry, nominal volume,
-- and its container's opening), hashed with it, so that verify proves the lots and
-- containers are what the journal recorded. Entries written before keep their hash.
ALTER TABLE journal ADD COLUMN facts TEXT;
