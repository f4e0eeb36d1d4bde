"""
The de-duplication store: compact keys in either case, spread over shards the garbage collector never visits.
"""

from __future__ import annotations

import gc

from moment_async.adid._dedup import KeySet, key_batches

from ._data import ADIDS, csv_of

NUMBERED = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(3000)]


def test_keys_are_16_bytes_whatever_the_case_or_line_ending():
    """An ID gives the same 16-byte key in upper or lower case, with LF or CRLF."""
    text = csv_of(ADIDS[0], ADIDS[0].upper()) + csv_of(ADIDS[0], crlf=True)

    batches = list(key_batches(text))

    ((keys, lasts),) = batches
    assert [bytes.fromhex(ADIDS[0].replace("-", ""))] * 3 == list(keys)
    assert bytes([keys[0][-1]]) * 3 == lasts


def test_keys_come_in_batches_of_1024_in_order():
    """Keys come 1024 a batch, in file order, the last batch shorter."""
    batches = list(key_batches(csv_of(*NUMBERED)))

    assert [1024, 1024, 952] == [len(keys) for keys, _ in batches]
    assert [int(n.replace("-", ""), 16).to_bytes(16) for n in NUMBERED] == [
        key for keys, _ in batches for key in keys
    ]


def test_the_store_is_invisible_to_the_garbage_collector():
    """The dicts holding the keys are not tracked, so collections never walk them."""
    store = KeySet(None)

    store.add(csv_of(*NUMBERED))

    assert [False] * 4 == [gc.is_tracked(shard) for shard in store._shards]
    assert [750] * 4 == [len(shard) for shard in store._shards]


def test_new_ids_are_returned_once_in_order():
    """add_new gives the texts of the IDs not seen before, in order of first appearance."""
    store = KeySet(None)
    store.add_new(csv_of(ADIDS[1]).lower(), [ADIDS[1].encode()])
    ids = [ADIDS[0], ADIDS[1], ADIDS[0], ADIDS[2]]

    fresh = store.add_new(csv_of(*ids), [i.encode() for i in ids])

    assert [ADIDS[0].encode(), ADIDS[2].encode()] == fresh
    assert (3, 2) == (store.valid, store.duplicates)


def test_clear_forgets_every_id():
    """After clear(), an ID seen before is new again."""
    store = KeySet(None)
    store.add(csv_of(*NUMBERED))

    store.clear()
    store.add(csv_of(NUMBERED[0]))

    assert (3001, 0) == (store.valid, store.duplicates)
