"""
The ADIDs seen so far, kept as 16-byte keys in four dicts, with an optional cap.

Memory, measured on CPython 3.11 (``benchmarks/validate.py``): each
distinct ID costs a 16-byte ``bytes`` object (64 bytes in pymalloc's
64-byte size class) plus its entry in a dict's tables (about 42 bytes):
106 bytes per ID for 500,000 IDs in one dict, 115 to 130 bytes per ID in
the RSS of a whole validation. The 36-character text takes 122 bytes per
ID and an ``int`` 90, but ``int`` keys must be made one by one in Python,
which halves the speed; the bytes keys are cut out of one
``binascii.a2b_hex`` result by ``struct``, in C.

Why dicts, not sets: a set is always tracked by the garbage collector, and
every collection of its generation visits each entry (about 100 ms per
million IDs, for the whole process); a dict of bytes to ``None`` is not
tracked at all. A set would be about 100 ns per ID faster.

Why four: a dict grows by rehashing its whole table in one C call, during
which a worker thread holds the GIL and the event loop waits; at 630,000
IDs that call took 25 to 35 ms on a 2-core machine. Four dicts, each a
quarter of the size, keep the longest call near 8 ms, for about 70 ns more
per ID (``itertools.compress`` routes the keys, in C).
"""

from __future__ import annotations

import binascii
import itertools
import struct
from collections.abc import Iterator
from typing import Final

_KEY: Final = 16
_BATCH: Final = 1024
#: Cuts 1024 keys at a time out of the decoded hex, without a Python loop.
_UNPACK: Final = struct.Struct(f"{_KEY}s" * _BATCH)
_SHARDS: Final = 4
#: Per shard, a ``bytes.translate`` table from a key's last byte to 1 if
#: the key belongs to that shard, else 0: a mask for ``itertools.compress``.
#: The low bits of the last byte, because they are random in GAIDs and
#: IDFAs (version 4 UUIDs) and the ones that vary in numbered test IDs.
_MASKS: Final = tuple(
    bytes(int(byte % _SHARDS == shard) for byte in range(256))
    for shard in range(_SHARDS)
)
#: Keys freed per step when the store is dropped (a few milliseconds each).
_FREE_STEP: Final = 65_536


def key_batches(text: bytes) -> Iterator[tuple[tuple[bytes, ...], bytes]]:
    """
    Yield the 16-byte keys of the ADIDs in *text*, 1024 at a time, with their last bytes.

    *text* holds nothing but ADIDs (either case), hyphens, CR and LF, one
    ID a line. Batches keep each dict update to a fraction of a
    millisecond: a worker thread holds the GIL for a whole C call.
    """
    raw = binascii.a2b_hex(text.translate(None, b"-\r\n"))
    step = _KEY * _BATCH
    full = len(raw) - len(raw) % step
    view = memoryview(raw)
    for start, keys in zip(
        range(0, full, step), _UNPACK.iter_unpack(view[:full]), strict=True
    ):
        yield keys, raw[start + _KEY - 1 : start + step : _KEY]
    tail = (len(raw) - full) // _KEY
    if tail:
        keys = struct.unpack(f"{_KEY}s" * tail, view[full:])
        yield keys, raw[full + _KEY - 1 :: _KEY]


class KeySet:
    """
    Strictly private: the distinct IDs seen, and the counts that follow from them.

    With *max_tracked* set, only that many distinct IDs are remembered;
    later new IDs count as valid (and ``unchecked``) without the duplicate
    check, as the sandbox does.
    """

    def __init__(self, max_tracked: int | None) -> None:
        self._shards: tuple[dict[bytes, None], ...] = tuple({} for _ in _MASKS)
        self._max = max_tracked
        self._tracked = 0
        self.valid = 0
        self.duplicates = 0
        self.unchecked = 0

    def add(self, text: bytes) -> None:
        """
        Count the IDs of *text* (see ``key_batches``), in file order.
        """
        for keys, lasts in key_batches(text):
            if self._max is not None and self._tracked + len(keys) > self._max:
                self._add_capped(keys, None)
                continue
            added = -self._tracked
            for shard, mask in zip(self._shards, _MASKS, strict=True):
                before = len(shard)
                mine = itertools.compress(keys, lasts.translate(mask))
                shard.update(zip(mine, itertools.repeat(None)))
                self._tracked += len(shard) - before
            added += self._tracked
            self.valid += added
            self.duplicates += len(keys) - added

    def add_new(self, text: bytes, texts: list[bytes]) -> list[bytes]:
        """
        Count the IDs of *text*; return those of *texts* (its lines) not seen before.
        """
        fresh: list[bytes] = []
        start = 0
        for keys, lasts in key_batches(text):
            lines = texts[start : start + len(keys)]
            start += len(keys)
            if self._max is not None and self._tracked + len(keys) > self._max:
                self._add_capped(keys, (lines, fresh))
                continue
            # The first of equal keys keeps its place; equal keys have equal
            # texts, so which text is kept does not matter.
            batch = dict(zip(keys, lines, strict=True))
            unique = (
                b"".join(batch)[_KEY - 1 :: _KEY] if len(batch) < len(keys) else lasts
            )
            known: list[bytes] = []
            for shard, mask in zip(self._shards, _MASKS, strict=True):
                mine = list(itertools.compress(batch, unique.translate(mask)))
                known.extend(filter(shard.__contains__, mine))
                shard.update(zip(mine, itertools.repeat(None)))
            for key in known:
                del batch[key]
            self._tracked += len(batch)
            self.valid += len(batch)
            self.duplicates += len(keys) - len(batch)
            fresh.extend(batch.values())
        return fresh

    def _add_capped(
        self, keys: tuple[bytes, ...], out: tuple[list[bytes], list[bytes]] | None
    ) -> None:
        # One by one: which IDs are remembered depends on the order.
        for index, key in enumerate(keys):
            shard = self._shards[key[-1] % _SHARDS]
            if key in shard:
                self.duplicates += 1
                continue
            if self._max is None or self._tracked < self._max:
                shard[key] = None
                self._tracked += 1
            else:
                self.unchecked += 1
            self.valid += 1
            if out is not None:
                out[1].append(out[0][index])

    def clear(self) -> None:
        """
        Forget every ID, a step at a time.

        Freeing a million keys in one call would hold the GIL for 60 ms or
        more; emptying each dict first (its keys still referenced by a list)
        and then freeing slices of the list keeps each call short.
        """
        for shard in self._shards:
            keys = list(shard)
            shard.clear()
            while keys:
                del keys[-_FREE_STEP:]
        self._tracked = 0
