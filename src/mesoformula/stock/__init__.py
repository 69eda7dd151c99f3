"""Stock: lots, the append-only ledger on SQLite, allocation and counts."""
