"""
``stock verify --since SEQ:SHA256`` (issue 28): the kept head proven, and only what came
after it; what it leaves to a full verify said in its output. On both engines.

A tamper after the head is found; one before the head is (rightly) not seen by ``--since``
and is by a full verify, unless the attacker re-hashed the chain through the head, which
the kept head then shows.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mesoformula.stock import Stock
from mesoformula.stock.audit import SINCE_LEAVES
from mesoformula.stock.seals import GENESIS

from .conftest import EXAMPLES, run_machine
from .test_stock_stateful import StockMachine
from .test_tamper import (
    AT,
    problems,
    rehash_from_the_first_entry,
    rows_of,
    run,
    store_with_a_batch,
)
from .test_tamper_corpus import attack, scenario

HAIR = str(EXAMPLES / "hair-revitalizing.toml")

#: An edit of an entry that only its hash can show: when it was recorded (no other check
#: reads it, as the imports check reads a receipt's actor).
EDITED = "recorded = '2020-01-01T00:00:00+00:00'"


@pytest.fixture
def db(location: str) -> str:
    """A store with a consumed batch, on the engine under test (both: see conftest)."""
    return store_with_a_batch(location)


@pytest.fixture
def kept(db: str) -> str:
    """The head kept elsewhere before a later batch (C) was consumed."""
    before = head(db)
    code, text = run("stock", "consume", HAIR, "--db", db, "--batch-id", "C", *AT)
    assert 0 == code, text
    return before


def head(db: str) -> str:
    """The chain head as ``stock head`` prints it."""
    return run("stock", "head", "--db", db)[1].strip()


def seq(head: str) -> int:
    """The entry number of a head ``SEQ:SHA256``."""
    return int(head.partition(":")[0])


def since(db: str, kept: str) -> dict[str, Any]:
    """``stock verify --since`` as JSON; its exit code agrees with ``sound``."""
    code, text = run("stock", "verify", "--db", db, "--since", kept, "--format", "json")
    document: dict[str, Any] = json.loads(text)
    assert (code == 1) == (not document["sound"]), text
    return document


def edit(db: str, entry: int) -> None:
    """Change entry *entry* behind the journal's back, its triggers put back after."""
    assert attack(db, "journal", (f"UPDATE journal SET {EDITED} WHERE entry_id = {entry}",)) is None


class TestAKeptHead:
    """A real head passes, and the output says what ``--since`` proved and what it left."""

    def test_a_real_head_with_entries_after_it(self, db: str, kept: str) -> None:
        document = since(db, kept)
        assert (True, [], kept) == (document["sound"], document["problems"], document["since"])
        assert seq(head(db)) - seq(kept) == document["checked"]
        assert list(SINCE_LEAVES) == document["not_reproven"]

    def test_the_text_says_what_was_proven_and_what_was_not(self, db: str, kept: str) -> None:
        code, text = run("stock", "verify", "--db", db, "--since", kept)
        assert 0 == code
        assert text.endswith("sound since the head\n")
        assert len(SINCE_LEAVES) == text.count("NOT RE-PROVEN")

    def test_the_current_head_and_the_empty_chain(self, db: str) -> None:
        """The head itself (nothing after it) and ``0:GENESIS`` (everything) pass."""
        assert (True, 0) == (since(db, head(db))["sound"], since(db, head(db))["checked"])
        everything = since(db, f"0:{GENESIS}")
        assert (True, seq(head(db))) == (everything["sound"], everything["checked"])

    def test_a_full_verify_prints_what_it_printed_before(self, db: str) -> None:
        """Without ``--since`` the JSON document has exactly its former keys."""
        code, text = run("stock", "verify", "--db", db, "--format", "json")
        expected = ["format", "sound", "entries", "problems", "unsealed_batches"]
        assert (0, expected) == (code, list(json.loads(text)))


#: Rows an entry after the head speaks of, changed behind the library's back (batch C was
#: consumed after the head, from DX-2604 among others), and what ``--since`` says.
AFTER = [
    ("UPDATE lots SET expiry = '2099-12-31' WHERE lot = 'DX-2604'",
     "not what the journal recorded"),
    ("UPDATE batches SET record = replace(record, 'lidocaine', 'procaine') WHERE batch_id = 'C'",
     "batch 'C' sealed by entry"),
    (("UPDATE lot_balance SET unopened = unopened + 5 WHERE lot_id = (SELECT lot_id FROM journal"
      " WHERE correlation = 'C' LIMIT 1)"), "cached balance"),
]  # fmt: skip


class TestAfterTheHead:
    """What came after the head is proven as a full verify proves it."""

    @pytest.mark.parametrize("entry", ["the head", "after the head"])
    def test_an_entry_changed(self, db: str, kept: str, entry: str) -> None:
        changed = seq(kept) if entry == "the head" else seq(head(db)) - 1
        edit(db, changed)
        expected = [f"entry {changed} was changed after it was written (hash mismatch)"]
        assert expected == since(db, kept)["problems"]

    @pytest.mark.parametrize(("statement", "words"), AFTER)
    def test_a_row_an_entry_after_the_head_speaks_of(
        self, db: str, kept: str, statement: str, words: str
    ) -> None:
        assert attack(db, statement.split()[1], (statement,)) is None
        assert any(words in p for p in since(db, kept)["problems"])

    def test_entries_removed_from_the_end(self, db: str, kept: str) -> None:
        """The seal of the later batch deleted: the journal's counter went further."""
        last = seq(head(db))
        assert attack(db, "journal", (f"DELETE FROM journal WHERE entry_id = {last}",)) is None
        assert [
            "batch 'C' has no seal in the journal: it was added behind the journal's back",
            f"entries {last}..{last} are missing from the end of the journal",
        ] == since(db, kept)["problems"]


class TestBeforeTheHead:
    """What came before the head is left to a full verify (the output says so)."""

    def test_an_entry_changed_before_the_head_is_seen_only_by_a_full_verify(
        self, db: str, kept: str
    ) -> None:
        edit(db, 2)
        assert (True, []) == (since(db, kept)["sound"], since(db, kept)["problems"])
        assert ["entry 2 was changed after it was written (hash mismatch)"] == problems(db)

    def test_a_chain_rehashed_through_the_head_is_seen(self, db: str, kept: str) -> None:
        """Re-hashed to hide an edit, the chain no longer reaches the kept head's hash."""
        rehash_from_the_first_entry(db)
        assert [] == problems(db)  # the unkeyed chain looks sound on its own ...
        found = since(db, kept)["problems"]  # ... not against the head kept elsewhere
        assert any("was rewritten" in p for p in found)


class TestAWrongHead:
    """A head that is not this store's is a finding (exit 1); a malformed one, exit 2."""

    def test_a_wrong_hash(self, db: str) -> None:
        last = seq(head(db))
        found = since(db, f"{last}:{'a' * 64}")["problems"]
        assert any(f"history up to entry {last} was rewritten" in p for p in found)

    def test_a_sequence_past_the_end(self, db: str) -> None:
        past = seq(head(db)) + 5
        found = since(db, f"{past}:{'a' * 64}")["problems"]
        assert any(f"names entry {past}" in p and "removed" in p for p in found)

    def test_a_head_whose_entry_was_deleted(self, db: str, kept: str) -> None:
        gone = seq(kept)
        assert attack(db, "journal", (f"DELETE FROM journal WHERE entry_id = {gone}",)) is None
        found = since(db, kept)["problems"]
        assert any(f"entries {gone}..{gone} are missing" in p for p in found)

    @pytest.mark.parametrize(
        "malformed", ["", " ", "12", "12:abc", "x:" + "a" * 64, "-1:" + "a" * 64, "0:" + "a" * 64]
    )
    def test_a_malformed_head_is_a_usage_error(self, db: str, malformed: str) -> None:
        code, text = run("stock", "verify", "--db", db, "--since", malformed, "--format", "json")
        assert 2 == code
        assert "--since" in json.loads(text)["error"]["message"]

    def test_since_and_expect_head_together_are_a_usage_error(self, db: str) -> None:
        now = head(db)
        assert 2 == run("stock", "verify", "--db", db, "--since", now, "--expect-head", now)[0]

    def test_the_library_takes_one_kept_head(self, db: str) -> None:
        now = (seq(head(db)), head(db).partition(":")[2])
        with Stock.open(db, readonly=True) as stock, pytest.raises(ValueError, match="not both"):
            stock.verify(expect_head=now, since=now)


def test_any_head_any_tamper(location: str) -> None:
    """
    Property: on a store with every table in use, for any kept head and any entry changed
    behind the journal's back, ``--since`` finds the change exactly when the entry is the
    head or after it, and a full verify always finds it.
    """
    db = scenario(location)
    rows = rows_of(db, "SELECT entry_id, hash, recorded FROM journal")
    heads = {int(str(entry)): str(digest) for entry, digest, _ in rows}
    recorded = {int(str(entry)): str(when) for entry, _, when in rows}

    @settings(max_examples=15 if location.startswith("postgresql") else 40)
    @given(kept=st.sampled_from(sorted(heads)), victim=st.sampled_from(sorted(heads)))
    def check(kept: int, victim: int) -> None:
        assert [] == since(db, f"{kept}:{heads[kept]}")["problems"]
        edit(db, victim)
        try:
            found = since(db, f"{kept}:{heads[kept]}")["problems"]
            expected = [f"entry {victim} was changed after it was written (hash mismatch)"]
            assert (expected if victim >= kept else []) == found
            assert expected == problems(db)
        finally:
            restore = (
                f"UPDATE journal SET recorded = '{recorded[victim]}' WHERE entry_id = {victim}"
            )
            assert attack(db, "journal", (restore,)) is None

    check()


class SinceMachine(StockMachine):
    """The stock state machine, keeping heads as it goes and verifying since any of them."""

    def __init__(self) -> None:
        super().__init__()
        self.heads: list[tuple[int, str]] = []

    @rule()
    def keep_head(self) -> None:
        """Keep the head as it is now (as a clinic keeps it elsewhere)."""
        self.heads.append(self.stock.head())

    @precondition(lambda self: self.heads)
    @rule(data=st.data())
    def verify_since(self, data: st.DataObject) -> None:
        """For any head kept at any point of the history, the untampered store is sound."""
        kept = data.draw(st.sampled_from(self.heads))
        assert [] == self.stock.verify(since=kept)


def test_since_any_head_of_a_random_history(engine: str, request: pytest.FixtureRequest) -> None:
    """The machine on each engine: 25 examples of up to 25 steps, a new store each."""
    run_machine(SinceMachine, engine, request, examples=25, steps=25)
