"""Every head's strong pairs in exact float32, captured while the model runs.

Attention above 64 MiB is stored in float16 (:mod:`.cache`), which moves values
near a threshold across it: counting ``a_ij >= 0.3`` on the float16 copy is not
the paper's float32 count.  So while each layer's float32 weights exist (in the
capture sink of ``ProteinLanguageModel.attention``), :class:`StrongPairCollector`
keeps every pair with ``a_ij >= floor`` and its float32 value.  The head grid's
statistic at any threshold ``>= floor`` is then exact and needs no pass over the
stored tensor (:class:`~protattn_widgets.widgets.grid_counts.StrongPairIndex`).

Cost per layer: one comparison and one ``flatnonzero`` over the stored copy
(float16 bit patterns, half the bytes of float32; split over the CPU's cores,
which the waiting forward pass leaves free) and a gather of the
candidates from the float32 weights; the sort by head and value waits for the
first reader (the head grid), off the forward pass.
Memory: 16 bytes per kept pair; rows sum to 1, so at most ``L / floor`` pairs
per head (20 L at the default floor), in practice far fewer.

Below the floor (or for attention made without a capture) the stored heads are
read: :func:`heads_at_least` is that one pass, a head at a time, which
:func:`count_heads_at_least` shares between several per-head counts.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .definitions import STRONG_PAIR_FLOOR
from .attention import _FLOAT16_TO_32, as_float32

__all__ = ["StrongPairs", "StrongPairCollector", "DEFAULT_FLOOR", "strong_pairs_of", "pairs_down_to",
           "heads_at_least", "count_heads_at_least"]

#: Attention below this is not kept; thresholds under it need a pass over the stored values.
DEFAULT_FLOOR = STRONG_PAIR_FLOOR
_CHUNK = 1 << 18  # values compared at a time: the mask (256 kB) stays in the CPU cache
_PARALLEL_ABOVE = 1 << 21  # a layer this large is searched on every core


class StrongPairs:
    """The pairs of every head with attention ``>= floor``, sorted by head, then value.

    Attributes
    ----------
    floor : float
        Pairs below it are absent.
    keys : ndarray of float64, shape=(N,)
        ``flat_head + a_ij`` (flat head ``layer * n_heads + head``), ascending;
        exact, as ``a_ij`` is float32 and the head index is small.
    pairs : ndarray of int64, shape=(N,)
        ``i * L + j`` of each pair (query ``i``, key ``j``, 0-based residues).
    exact : bool
        Whether the values are the model's float32 weights (``False`` when
        rebuilt from a float16 copy, see :func:`strong_pairs_of`).

    The capture hands its pairs over unsorted (sorting is off the forward pass):
    they are sorted on the first read of ``keys`` or ``pairs``.
    """

    def __init__(self, floor: float, keys: np.ndarray, pairs: np.ndarray, exact: bool = True, *,
                 ordered: bool = True) -> None:
        self.floor, self.exact = float(floor), bool(exact)
        self._keys, self._pairs = np.asarray(keys, dtype=np.float64), np.asarray(pairs, dtype=np.int64)
        if self._keys.shape != self._pairs.shape or self._keys.ndim != 1:
            raise ValueError(f"keys and pairs must be two 1-D arrays of one length, got {self._keys.shape} "
                             f"and {self._pairs.shape}")
        self._ordered = ordered

    def _order(self) -> None:
        if not self._ordered:
            order = np.argsort(self._keys, kind="stable")
            self._keys, self._pairs, self._ordered = self._keys[order], self._pairs[order], True

    @property
    def keys(self) -> np.ndarray:
        self._order()
        return self._keys

    @property
    def pairs(self) -> np.ndarray:
        self._order()
        return self._pairs

    @property
    def nbytes(self) -> int:
        return int(self._keys.nbytes + self._pairs.nbytes)

    def to_array(self) -> np.ndarray:
        """``(2, N)`` float64 (keys, pairs; sorted or not): one plain array for the attention cache."""
        return np.stack([self._keys, self._pairs.astype(np.float64)])

    @classmethod
    def from_array(cls, array: np.ndarray, floor: float) -> "StrongPairs":
        array = np.asarray(array, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] != 2:
            raise ValueError(f"strong pairs must have shape (2, N), got {array.shape}")
        return cls(float(floor), array[0], array[1].astype(np.int64), ordered=False)


class StrongPairCollector:
    """Collects :class:`StrongPairs` layer by layer from the capture sink.

    ``add(layer, weights, stored)``: ``weights`` is the layer's float32
    ``(n_heads, L, L)`` torch tensor (any device), ``stored`` the copy just
    written to the attention buffer (float32 or float16, possibly a memmap).
    """

    def __init__(self, n_heads: int, length: int, floor: float = DEFAULT_FLOOR) -> None:
        self.n_heads, self.length, self.floor = int(n_heads), int(length), float(floor)

        self._floor32 = np.float32(self.floor)
        self._floor16_bits = int(np.asarray(self.floor, dtype=np.float16).view(np.uint16))
        self._keys: list[np.ndarray] = []
        self._pairs: list[np.ndarray] = []

    def _candidates(self, values: np.ndarray, floor) -> np.ndarray:
        """Flat indices of ``values >= floor`` (1-D), split over the CPU's cores.

        The forward pass waits for the sink, so its cores are free; each part is
        compared a cache-sized chunk at a time (the mask stays in the CPU cache
        between the compare and ``flatnonzero``; numpy releases the GIL in both).
        """
        parts = _workers() if values.size >= _PARALLEL_ABOVE else 1
        step = -(-values.size // parts // _CHUNK) * _CHUNK or _CHUNK
        ranges = [(start, min(start + step, values.size)) for start in range(0, values.size, step)]
        if len(ranges) == 1:
            found = _find(values, floor, *ranges[0])
        else:
            found = [hits for part in _pool().map(lambda r: _find(values, floor, *r), ranges) for hits in part]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)

    def add(self, layer: int, weights, stored: np.ndarray) -> None:
        import torch

        flat = stored.reshape(-1)
        if stored.dtype == np.float16:
            # Rounding is monotone: a_ij >= floor implies float16(a_ij) >= float16(floor), and the bit
            # patterns of non-negative float16 values sort as the values.  NaN and negative values
            # (patterns above 0x7C00) become candidates too; the float32 comparison drops them.
            candidates = self._candidates(flat.view(np.uint16), np.uint16(self._floor16_bits))
            # torch.take indexes the (strided) block as if it were flat: one gather, no copy of the block
            values = torch.take(weights, torch.as_tensor(candidates, device=weights.device)).float().cpu().numpy()
            keep = values >= self._floor32
            head, pair = np.divmod(candidates[keep], self.length * self.length)
            values = values[keep]
        else:
            candidates = self._candidates(flat, self._floor32)
            head, pair = np.divmod(candidates, self.length * self.length)
            values = np.asarray(flat[candidates], dtype=np.float32)
        self._keys.append((layer * self.n_heads + head) + values.astype(np.float64))
        self._pairs.append(pair)

    def result(self) -> StrongPairs:
        """Every layer's pairs so far (sorted when first read, not here: this runs inside the extraction)."""
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0)
        pairs = np.concatenate(self._pairs) if self._pairs else np.zeros(0, dtype=np.int64)
        return StrongPairs(self.floor, keys, pairs, ordered=False)


def _find(values: np.ndarray, floor, start: int, stop: int) -> list[np.ndarray]:
    """Flat indices of ``values[start:stop] >= floor``, chunk by chunk."""
    mask = np.empty(min(_CHUNK, stop - start), dtype=bool)
    found = []
    for first in range(start, stop, _CHUNK):
        part = values[first:min(first + _CHUNK, stop)]
        hits = np.flatnonzero(np.greater_equal(part, floor, out=mask[:part.size]))
        if hits.size:
            found.append(hits + first)
    return found


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_workers(), thread_name_prefix="protattn-pairs")
        return _POOL


def strong_pairs_of(values: np.ndarray, floor: float = DEFAULT_FLOOR) -> StrongPairs:
    """:class:`StrongPairs` from stored attention ``(n_layers, n_heads, L, L)``, one head at a time.

    Exact for float32 values; from a float16 copy the values (and so counts at
    thresholds within float16 rounding of a value) are those of the copy, and
    ``exact`` is ``False``.
    """
    keys, pairs = [], []
    for flat, head, kept in heads_at_least(values, floor):
        v = as_float32(head[kept])
        order = np.argsort(v, kind="stable")
        keys.append(v[order].astype(np.float64) + flat)
        pairs.append(kept[order])
    return StrongPairs(float(floor), np.concatenate(keys) if keys else np.zeros(0),
                       np.concatenate(pairs).astype(np.int64) if pairs else np.zeros(0, dtype=np.int64),
                       exact=np.dtype(values.dtype) == np.float32)


def heads_at_least(values: np.ndarray, threshold: float):
    """Every head of stored attention ``(n_layers, n_heads, L, L)``, each read once, with its pairs
    ``a_ij >= threshold``: the one pass below the strong-pair floor, shared by all who need one.

    Yields
    ------
    flat : int
        ``layer * n_heads + head``.
    head : ndarray, shape=(L * L,)
        The stored head (its dtype), flat.
    kept : ndarray of int64, shape=(k,)
        Ascending ``i * L + j`` with ``as_float32(a_ij) >= float32(threshold)``; a float16 head is
        compared on its bits (the same pairs, without converting the head).
    """
    n_heads = values.shape[1]
    t = np.float32(threshold)
    low = _float16_bits_at_least(t) if np.dtype(values.dtype) == np.float16 and t > 0 else None
    for flat in range(values.shape[0] * n_heads):
        head = values[divmod(flat, n_heads)].reshape(-1)
        if low is None:
            strong = as_float32(head) >= t
        else:
            bits = head.view(np.uint16)
            strong = (bits >= low) & (bits <= _FLOAT16_INF)
        yield flat, head, np.flatnonzero(strong).astype(np.int64, copy=False)


def count_heads_at_least(values: np.ndarray, threshold: float, *counters) -> None:
    """ONE read of every head for all ``counters``: each one's ``add_head(flat, kept)`` with the
    head's pairs ``a_ij >= threshold`` (as :func:`heads_at_least` yields them)."""
    for flat, _, kept in heads_at_least(values, threshold):
        for counter in counters:
            counter.add_head(flat, kept)


_FLOAT16_INF = np.uint16(0x7C00)  # bits of +inf: NaN and negative values lie above it


def _float16_bits_at_least(t: np.float32) -> np.uint16:
    """The bits of the smallest float16 ``>= t > 0``: for bits from 0 (+0) to +inf's the order of the
    bits is the order of the values, so ``float16 >= t`` is ``low <= bits <= +inf's bits``."""
    return np.uint16(np.searchsorted(_FLOAT16_TO_32[:int(_FLOAT16_INF) + 1], t, side="left"))


def pairs_down_to(attention, floor: float = DEFAULT_FLOOR) -> StrongPairs:
    """Every pair of ``attention`` with a weight ``>= floor`` (at least; possibly lower ones too).

    The pairs captured with the attention when they reach that low; else they are rebuilt from
    the stored values (:func:`strong_pairs_of`, one pass over the heads) ONCE and kept on the
    attention, so the head grid's counts and its flags (and any later threshold) share them.
    """
    strong = attention.strong_pairs
    if strong is not None and strong.floor <= floor:
        return strong
    kept = attention._rebuilt_pairs
    if kept is None or kept.floor > floor:
        kept = strong_pairs_of(attention.values, floor)
        object.__setattr__(attention, "_rebuilt_pairs", kept)  # a cache of the frozen attention's values
    return kept
