-- A store written by mesoformula v1 (schema version 1), as SQL; see README.md.
BEGIN TRANSACTION;
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
INSERT INTO "batches" VALUES('V1-B','hair-revitalizing',3,'sha256:e8a488a7fca6656eb7438a744ea808dbad618a20eed2885f62c86a541d4993f6',1,'2026-12-01T10:00:00','root','{"allocations": [{"product": "lidocaine-hcl-2pct-5ml", "lot_id": 1, "lot": "LA-2611", "expiry": "2029-06-30", "takes": [{"container_id": 2, "volume_ul": 1000, "opens": true, "waste_ul": 4000}]}, {"product": "dexpanthenol-250mg-ml-2ml", "lot_id": 4, "lot": "DX-2604", "expiry": "2029-09-30", "takes": [{"container_id": 3, "volume_ul": 1000, "opens": true, "waste_ul": 1000}]}, {"product": "biotin-0.5mg-ml-2ml", "lot_id": 5, "lot": "BT-2602", "expiry": "2029-02-28", "takes": [{"container_id": 4, "volume_ul": 1000, "opens": true, "waste_ul": 1000}]}, {"product": "sodium-chloride-0.9-10ml", "lot_id": 10, "lot": "NS-2610", "expiry": "2030-10-31", "takes": [{"container_id": 5, "volume_ul": 7000, "opens": true, "waste_ul": 3000}]}], "excluded": [{"product": "dexpanthenol-250mg-ml-2ml", "lot_id": 3, "lot": "DX-2501", "reason": "expired", "container_id": null}], "shortfalls": []}','{"record_version": 1, "formulation": {"format": "mesoformula.formulation/1", "id": "hair-revitalizing", "name": "Hair revitalizing cocktail", "route": "intradermal", "final_volume": "10.0 mL", "components": [{"product": "lidocaine-hcl-2pct-5ml", "volume": "1.0 mL"}, {"product": "dexpanthenol-250mg-ml-2ml", "concentration": "25.0 mg/mL"}, {"product": "biotin-0.5mg-ml-2ml", "ingredient": "biotin", "amount": "0.5 mg"}], "version": 3, "diluent": "sodium-chloride-0.9-10ml", "administration": {"volume_per_session": "4.0 mL", "points_per_session": 80, "sessions": 6, "interval": "14.0 d"}, "preparation": {"category": 2, "storage": "refrigerator"}}, "formulation_name": "Hair revitalizing cocktail", "worksheet": {"formulation": "hair-revitalizing", "version": 3, "batches": 1, "final_volume": {"value": 10.0, "unit": "mL"}, "total_volume": {"value": 10.0, "unit": "mL"}, "resolution": {"value": 0.01, "unit": "mL"}, "draws": [{"product": "lidocaine-hcl-2pct-5ml", "ingredient": "lidocaine-hcl", "volume": {"value": 1.0, "unit": "mL"}, "draw_volume": {"value": 1.0, "unit": "mL"}, "containers": 1, "use": "single-dose", "waste": {"value": 4.0, "unit": "mL"}, "rounding_error": 0.0}, {"product": "dexpanthenol-250mg-ml-2ml", "ingredient": "dexpanthenol", "volume": {"value": 1.0, "unit": "mL"}, "draw_volume": {"value": 1.0, "unit": "mL"}, "containers": 1, "use": "single-dose", "waste": {"value": 1.0, "unit": "mL"}, "rounding_error": 0.0}, {"product": "biotin-0.5mg-ml-2ml", "ingredient": "biotin", "volume": {"value": 1.0, "unit": "mL"}, "draw_volume": {"value": 1.0, "unit": "mL"}, "containers": 1, "use": "single-dose", "waste": {"value": 1.0, "unit": "mL"}, "rounding_error": 0.0}], "diluent": {"product": "sodium-chloride-0.9-10ml", "ingredient": null, "volume": {"value": 7.0, "unit": "mL"}, "draw_volume": {"value": 7.0, "unit": "mL"}, "containers": 1, "use": "single-dose", "waste": {"value": 3.0, "unit": "mL"}, "rounding_error": 0.0}, "ingredients": [{"ingredient": "biotin", "role": "active", "concentration": {"value": 0.05, "unit": "mg/mL"}, "per_batch": {"value": 0.5, "unit": "mg"}, "total": {"value": 0.5, "unit": "mg"}, "per_session": {"value": 0.2, "unit": "mg"}, "per_point": {"value": 0.0025, "unit": "mg"}, "per_course": {"value": 1.2, "unit": "mg"}, "products": ["biotin-0.5mg-ml-2ml"]}, {"ingredient": "dexpanthenol", "role": "active", "concentration": {"value": 25.0, "unit": "mg/mL"}, "per_batch": {"value": 250.0, "unit": "mg"}, "total": {"value": 250.0, "unit": "mg"}, "per_session": {"value": 100.0, "unit": "mg"}, "per_point": {"value": 1.25, "unit": "mg"}, "per_course": {"value": 600.0, "unit": "mg"}, "products": ["dexpanthenol-250mg-ml-2ml"]}, {"ingredient": "lidocaine-hcl", "role": "active", "concentration": {"value": 2.0, "unit": "mg/mL"}, "per_batch": {"value": 20.0, "unit": "mg"}, "total": {"value": 20.0, "unit": "mg"}, "per_session": {"value": 8.0, "unit": "mg"}, "per_point": {"value": 0.1, "unit": "mg"}, "per_course": {"value": 48.0, "unit": "mg"}, "products": ["lidocaine-hcl-2pct-5ml"]}, {"ingredient": "sodium-chloride", "role": "excipient", "concentration": {"value": 6.3, "unit": "mg/mL"}, "per_batch": {"value": 63.0, "unit": "mg"}, "total": {"value": 63.0, "unit": "mg"}, "per_session": {"value": 25.2, "unit": "mg"}, "per_point": {"value": 0.315, "unit": "mg"}, "per_course": {"value": 151.2, "unit": "mg"}, "products": ["sodium-chloride-0.9-10ml"]}], "administration": {"volume_per_session": {"value": 4.0, "unit": "mL"}, "points_per_session": 80.0, "volume_per_point": {"value": 0.05, "unit": "mL"}, "sessions": 6, "sessions_per_batch": 2}, "findings": []}, "checks": [{"code": "dose.unchecked", "severity": "info", "message": "lidocaine-hcl: the per-kg-session limit 4.5 mg/kg was not checked: no patient is given: 8 mg per session is within 4.5 mg/kg for a patient of at least 1.77778 kg", "location": "", "ingredient": "lidocaine-hcl", "limit": {"value": 4.5, "unit": "mg/kg"}, "source": "US lidocaine HCl injection label / AHFS monograph: max 4.5 mg/kg and 300 mg per procedure without epinephrine (AHFS text at mailmyprescriptions.com; Roxane lidocaine label via recallguide.org)"}], "products": {"biotin-0.5mg-ml-2ml": {"name": "Biotin 1 mg/2 mL ampoule", "sterile": true}, "dexpanthenol-250mg-ml-2ml": {"name": "Dexpanthenol 500 mg/2 mL ampoule (Bepamedin)", "sterile": true}, "lidocaine-hcl-2pct-5ml": {"name": "Lidocaine HCl 2% (20 mg/mL) preservative-free single-dose ampoule 5 mL", "sterile": true}, "sodium-chloride-0.9-10ml": {"name": "Sodium chloride 0.9% single-dose ampoule 10 mL", "sterile": true}}}');
CREATE TABLE container_balance (
    container_id INTEGER PRIMARY KEY REFERENCES containers (container_id),
    remaining_ul INTEGER NOT NULL CHECK (remaining_ul >= 0),
    live         INTEGER NOT NULL CHECK (live IN (0, 1))
);
INSERT INTO "container_balance" VALUES(1,1100,1);
INSERT INTO "container_balance" VALUES(2,0,0);
INSERT INTO "container_balance" VALUES(3,0,0);
INSERT INTO "container_balance" VALUES(4,0,0);
INSERT INTO "container_balance" VALUES(5,0,0);
CREATE TABLE containers (
    container_id INTEGER PRIMARY KEY,
    lot_id       INTEGER NOT NULL REFERENCES lots (lot_id),
    opened_at    TEXT    NOT NULL
);
INSERT INTO "containers" VALUES(1,8,'2026-11-20T09:30:00');
INSERT INTO "containers" VALUES(2,1,'2026-12-01T10:00:00');
INSERT INTO "containers" VALUES(3,4,'2026-12-01T10:00:00');
INSERT INTO "containers" VALUES(4,5,'2026-12-01T10:00:00');
INSERT INTO "containers" VALUES(5,10,'2026-12-01T10:00:00');
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
INSERT INTO "journal" VALUES(1,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',1,NULL,10,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'0000000000000000000000000000000000000000000000000000000000000000','171109f5d0b940cbfd2388a684713280308442fb30b3a16b2556037448bdc27c');
INSERT INTO "journal" VALUES(2,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',2,NULL,10,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'171109f5d0b940cbfd2388a684713280308442fb30b3a16b2556037448bdc27c','d2f952c103b463433d1376482c8c27b742d0020eac76b3bdd9c9059a00d76992');
INSERT INTO "journal" VALUES(3,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',3,NULL,4,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'d2f952c103b463433d1376482c8c27b742d0020eac76b3bdd9c9059a00d76992','488ccd2dc3c790dec54dbd00f53f6ec3a2ef546781688c946dc7a2b424305fd5');
INSERT INTO "journal" VALUES(4,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',4,NULL,10,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'488ccd2dc3c790dec54dbd00f53f6ec3a2ef546781688c946dc7a2b424305fd5','1f55a0db76a94c44cd3b8aef81c064dc84e1487f8d879ed3414ef4379d8c0520');
INSERT INTO "journal" VALUES(5,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',5,NULL,10,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'1f55a0db76a94c44cd3b8aef81c064dc84e1487f8d879ed3414ef4379d8c0520','3fd7eaae958ddc4dda82f0024372ccb13592032bba09598aa3f0e000af841281');
INSERT INTO "journal" VALUES(6,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',6,NULL,6,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'3fd7eaae958ddc4dda82f0024372ccb13592032bba09598aa3f0e000af841281','de96038132d8de33d25cf69ba996d0c1a5af912bf5f458395c899207a07ed6bb');
INSERT INTO "journal" VALUES(7,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',7,NULL,10,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'de96038132d8de33d25cf69ba996d0c1a5af912bf5f458395c899207a07ed6bb','029654bca88fcb9f492b7eda19d6c935bd1abb1c1a5b184e9bf665b951d973e4');
INSERT INTO "journal" VALUES(8,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',8,NULL,3,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'029654bca88fcb9f492b7eda19d6c935bd1abb1c1a5b184e9bf665b951d973e4','7fc536862e651dba5e8fef4a803f2826bfb1d846807513468c55c21b5fc3baef');
INSERT INTO "journal" VALUES(9,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',8,1,0,1200,1,NULL,NULL,'received (opened container)','import examples/stock.toml',NULL,'7fc536862e651dba5e8fef4a803f2826bfb1d846807513468c55c21b5fc3baef','6d6bbc54b556b6c336439919682ce17e9e6dd49dbb7e93745ac575f9ae8fee56');
INSERT INTO "journal" VALUES(10,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',9,NULL,10,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'6d6bbc54b556b6c336439919682ce17e9e6dd49dbb7e93745ac575f9ae8fee56','f95d292833bd73e1f57aca2609073615425674a5dfa164f9c62eb4a23e180f7c');
INSERT INTO "journal" VALUES(11,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',10,NULL,20,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'f95d292833bd73e1f57aca2609073615425674a5dfa164f9c62eb4a23e180f7c','7d5c25840e8756be2631e7ceaffa7194585742cc9e7ffb55b93883e7702d4792');
INSERT INTO "journal" VALUES(12,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',11,NULL,20,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'7d5c25840e8756be2631e7ceaffa7194585742cc9e7ffb55b93883e7702d4792','bd8db655efce8cda25e0f351787c472eddea63230730a26677d425a82acd9e3c');
INSERT INTO "journal" VALUES(13,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','receive',12,NULL,2,0,0,NULL,NULL,'received','import examples/stock.toml',NULL,'bd8db655efce8cda25e0f351787c472eddea63230730a26677d425a82acd9e3c','47a74f5f70c902ab966f5c11947648321f30818264134cbbcdccebb84667647f');
INSERT INTO "journal" VALUES(14,'2026-11-25T09:00:00','2026-11-27T22:59:58','root','quarantine',12,NULL,0,0,0,'quarantine','released','received','import examples/stock.toml',NULL,'47a74f5f70c902ab966f5c11947648321f30818264134cbbcdccebb84667647f','00e973f3a8c9040dccabb5c9d2f55094ce5b564b15cb6317513773f9ac191131');
INSERT INTO "journal" VALUES(15,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','open',1,2,-1,5000,1,NULL,NULL,'','V1-B',NULL,'00e973f3a8c9040dccabb5c9d2f55094ce5b564b15cb6317513773f9ac191131','56df69eaa2b1b6093559dd42ddeaccdecc97a6d25b6f762854275e4bec153fb4');
INSERT INTO "journal" VALUES(16,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','draw',1,2,0,-1000,0,NULL,NULL,'','V1-B',NULL,'56df69eaa2b1b6093559dd42ddeaccdecc97a6d25b6f762854275e4bec153fb4','d085ccacf32725af7a28a48894c945297a2f03b0a719c06b8af26c76eec12db0');
INSERT INTO "journal" VALUES(17,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','discard',1,2,0,-4000,-1,NULL,NULL,'single-dose remainder','V1-B',NULL,'d085ccacf32725af7a28a48894c945297a2f03b0a719c06b8af26c76eec12db0','54b0879f75ead5a51b50ec52c5c5e5d55b52305af69e6f8f394d4878a5d0b392');
INSERT INTO "journal" VALUES(18,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','open',4,3,-1,2000,1,NULL,NULL,'','V1-B',NULL,'54b0879f75ead5a51b50ec52c5c5e5d55b52305af69e6f8f394d4878a5d0b392','83a9ccad2d16073d344a2659253c8ab4b2b1a1de15daa308eddf1e7f72be96ef');
INSERT INTO "journal" VALUES(19,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','draw',4,3,0,-1000,0,NULL,NULL,'','V1-B',NULL,'83a9ccad2d16073d344a2659253c8ab4b2b1a1de15daa308eddf1e7f72be96ef','ece8a0c0c33435f8417ae342ca96d977595cbab180126d2d607406c0ae755da3');
INSERT INTO "journal" VALUES(20,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','discard',4,3,0,-1000,-1,NULL,NULL,'single-dose remainder','V1-B',NULL,'ece8a0c0c33435f8417ae342ca96d977595cbab180126d2d607406c0ae755da3','462f785ae811940b413f1473467480b0a393fc06e638a2f46de7f7cbab4b6458');
INSERT INTO "journal" VALUES(21,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','open',5,4,-1,2000,1,NULL,NULL,'','V1-B',NULL,'462f785ae811940b413f1473467480b0a393fc06e638a2f46de7f7cbab4b6458','ede51b4abf4dc96e48078b195d19e878d3b15ed78e9ceed9d4166ecc7961d8fa');
INSERT INTO "journal" VALUES(22,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','draw',5,4,0,-1000,0,NULL,NULL,'','V1-B',NULL,'ede51b4abf4dc96e48078b195d19e878d3b15ed78e9ceed9d4166ecc7961d8fa','dba7dcca91499310c3f03552f89e2659d87b62124a2ab6b2de0e88743de832f9');
INSERT INTO "journal" VALUES(23,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','discard',5,4,0,-1000,-1,NULL,NULL,'single-dose remainder','V1-B',NULL,'dba7dcca91499310c3f03552f89e2659d87b62124a2ab6b2de0e88743de832f9','daf83bc1c6f363bbac4fe7f00174c4979c976c48da7d35ba70dc9318a95518e9');
INSERT INTO "journal" VALUES(24,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','open',10,5,-1,10000,1,NULL,NULL,'','V1-B',NULL,'daf83bc1c6f363bbac4fe7f00174c4979c976c48da7d35ba70dc9318a95518e9','530fcf8e5e54b461394d0cded0ec07e98ff7ce38b87ef0cdaeac560cc901737b');
INSERT INTO "journal" VALUES(25,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','draw',10,5,0,-7000,0,NULL,NULL,'','V1-B',NULL,'530fcf8e5e54b461394d0cded0ec07e98ff7ce38b87ef0cdaeac560cc901737b','cd91091de14e51c96138ad3512ac649672aac9b61f039c18045d0a2e852a9a0b');
INSERT INTO "journal" VALUES(26,'2026-12-01T10:00:00','2026-11-27T22:59:59','root','discard',10,5,0,-3000,-1,NULL,NULL,'single-dose remainder','V1-B',NULL,'cd91091de14e51c96138ad3512ac649672aac9b61f039c18045d0a2e852a9a0b','89cee6ef0ac22897eb8fa71e7c763b6c3db9a34eda1eee906d816f1a5000d4a7');
INSERT INTO "journal" VALUES(27,'2026-12-01T11:00:00','2026-11-27T22:59:59','root','discard',3,NULL,-4,0,0,NULL,NULL,'expired',NULL,NULL,'89cee6ef0ac22897eb8fa71e7c763b6c3db9a34eda1eee906d816f1a5000d4a7','24e13e76e65f36daeea9e48a9c6efde5fb913fcd2902e225797260d58bfcc3b3');
INSERT INTO "journal" VALUES(28,'2026-12-01T08:00:00','2026-11-27T22:59:59','A. Pharmacist','adjust',4,NULL,-1,0,0,NULL,NULL,'one ampoule found broken','count 2026-12-01T08:00:00',NULL,'24e13e76e65f36daeea9e48a9c6efde5fb913fcd2902e225797260d58bfcc3b3','540cb6bb1235a60b1603df7cfd5e66c666b6ab255b8f2b9879975d7374030287');
INSERT INTO "journal" VALUES(29,'2026-12-01T08:00:00','2026-11-27T22:59:59','A. Pharmacist','adjust',8,1,0,-100,0,NULL,NULL,'measured at stocktake','count 2026-12-01T08:00:00',NULL,'540cb6bb1235a60b1603df7cfd5e66c666b6ab255b8f2b9879975d7374030287','03f59a2175f186232bc1b390da6bed2afc35e6fa5eebebaaf9c11b0e6d806370');
CREATE TABLE lot_balance (
    lot_id   INTEGER PRIMARY KEY REFERENCES lots (lot_id),
    unopened INTEGER NOT NULL CHECK (unopened >= 0),
    status   TEXT    NOT NULL
);
INSERT INTO "lot_balance" VALUES(1,9,'released');
INSERT INTO "lot_balance" VALUES(2,10,'released');
INSERT INTO "lot_balance" VALUES(3,0,'released');
INSERT INTO "lot_balance" VALUES(4,8,'released');
INSERT INTO "lot_balance" VALUES(5,9,'released');
INSERT INTO "lot_balance" VALUES(6,6,'released');
INSERT INTO "lot_balance" VALUES(7,10,'released');
INSERT INTO "lot_balance" VALUES(8,3,'released');
INSERT INTO "lot_balance" VALUES(9,10,'released');
INSERT INTO "lot_balance" VALUES(10,19,'released');
INSERT INTO "lot_balance" VALUES(11,20,'released');
INSERT INTO "lot_balance" VALUES(12,2,'quarantine');
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
INSERT INTO "lots" VALUES(1,'lidocaine-hcl-2pct-5ml','LA-2611','2029-06-30','2026-11-25',NULL,'shelf-A',5000,1,NULL);
INSERT INTO "lots" VALUES(2,'lidocaine-hcl-1pct-5ml','LB-2609','2029-04-30','2026-11-25',NULL,'shelf-A',5000,1,NULL);
INSERT INTO "lots" VALUES(3,'dexpanthenol-250mg-ml-2ml','DX-2501','2026-11-30','2026-11-25',NULL,'shelf-B',2000,1,NULL);
INSERT INTO "lots" VALUES(4,'dexpanthenol-250mg-ml-2ml','DX-2604','2029-09-30','2026-11-25',NULL,'shelf-B',2000,1,NULL);
INSERT INTO "lots" VALUES(5,'biotin-0.5mg-ml-2ml','BT-2602','2029-02-28','2026-11-25',NULL,'shelf-B',2000,1,NULL);
INSERT INTO "lots" VALUES(6,'ascorbic-acid-500mg-ml-2ml','AA-2607','2029-01-31','2026-11-25',NULL,'fridge-1',2000,1,NULL);
INSERT INTO "lots" VALUES(7,'procaine-hcl-2pct-2ml','PR-2603','2029-03-31','2026-11-25',NULL,'shelf-A',2000,1,NULL);
INSERT INTO "lots" VALUES(8,'thiamine-hcl-100mg-ml-2ml-mdv','TH-2605','2029-05-31','2026-11-25',NULL,'shelf-C',2000,0,28);
INSERT INTO "lots" VALUES(9,'pyridoxine-hcl-100mg-ml-1ml','PY-2606','2029-05-31','2026-11-25',NULL,'shelf-C',1000,1,NULL);
INSERT INTO "lots" VALUES(10,'sodium-chloride-0.9-10ml','NS-2610','2030-10-31','2026-11-25',NULL,'shelf-D',10000,1,NULL);
INSERT INTO "lots" VALUES(11,'sodium-chloride-0.9-5ml','NS-2608','2030-08-31','2026-11-25',NULL,'shelf-D',5000,1,NULL);
INSERT INTO "lots" VALUES(12,'lidocaine-hcl-2pct-20ml-mdv','LM-2512','2029-12-31','2026-11-25',NULL,'quarantine-shelf',20000,0,28);
CREATE INDEX lots_product ON lots (product);
CREATE INDEX containers_lot ON containers (lot_id);
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
CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches
BEGIN
    SELECT RAISE(ABORT, 'consumed batches cannot be changed');
END;
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
BEGIN
    SELECT RAISE(ABORT, 'consumed batches cannot be deleted');
END;
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('journal',29);
COMMIT;
PRAGMA user_version = 1;
