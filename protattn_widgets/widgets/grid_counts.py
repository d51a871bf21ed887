"""The head grid's contact statistic at any threshold, without a pass over the attention.

:class:`StrongPairIndex` takes the attention's strong pairs (every pair with
``a_ij >= floor`` in exact float32, captured while the model ran, see
:mod:`protattn_widgets.strong_pairs`), keeps those that count for the chain
(both residues have a CB), in order, with a running count of those that are 3D
contacts.  The statistic at a threshold ``t >= floor`` is then one vectorised
``searchsorted`` over all heads: exact, the same integers as
:func:`~protattn_widgets.analysis.contact_accumulator` on the model's float32
weights, even when the stored copy is float16.  Attention made without a
capture (e.g. an ``Attention`` built by hand) has its strong pairs rebuilt
from its values, one head at a time.

Below the floor each head is read once more, from the stored copy (the cached
attention; never the model on a threshold change), by
:func:`~protattn_widgets.strong_pairs.count_heads_at_least` into :class:`HeadCounts`;
the head grid counts its tooltip's flags in the same read.  A float32 copy is exact.
A float16 copy is not (values near the threshold round across it):
:meth:`StrongPairIndex.exact_at` and :attr:`StrongPairIndex.exact` say so and the
head grid says so in its caption.  Only when asked (:meth:`StrongPairIndex.recount`,
the grid's "recount exactly" button, :meth:`.head_grid.HeadGridData.recount_exactly`)
does a ``float32_source`` (the model, see :func:`model_float32_source`) run one
float32 forward pass, which counts at the requested threshold and at every
slider position below the floor (:data:`SLIDER_STEP`) at once; those thresholds
are exact from then on.

Memory: 16 bytes per kept pair (its key and running contact count).  Rows of
attention sum to at most 1, so a head keeps at most ``L / floor`` pairs (20 L at
the default 0.05); real heads keep far fewer.
"""

from __future__ import annotations

import numpy as np

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION
from ..analysis.accumulator import PropertyAccumulator
from ..attention import Attention, check_threshold
from ..errors import InvalidOptionError
from ..strong_pairs import DEFAULT_FLOOR, count_heads_at_least, pairs_down_to
from ..structures import Chain

__all__ = ["StrongPairIndex", "HeadCounts", "DEFAULT_FLOOR", "pairs_at_least", "check_min_total",
           "model_float32_source", "SLIDER_STEP"]

#: The explorer's threshold slider step (js/explorer.js): a float32 recount below the floor also
#: counts at each of its positions, so that dragging the slider there stays exact.
SLIDER_STEP = 0.0005


def model_float32_source(model):
    """``source(chain, visit)`` running ``model`` on ``chain`` and calling ``visit(layer, float32
    (n_heads, L, L))`` per layer (one forward pass, nothing stored), or ``None`` when ``model``
    cannot (a stand-in without ``visit_layer_attention``)."""
    visit_layers = getattr(model, "visit_layer_attention", None)
    if visit_layers is None:
        return None
    return lambda chain, visit: visit_layers(chain, visit)


def check_min_total(min_total) -> int:
    """``min_total`` (the fewest strong edges a head needs to get a value) as an int >= 0, else
    :class:`~protattn_widgets.errors.InvalidOptionError`."""
    if isinstance(min_total, (bool, np.bool_)) or not isinstance(min_total, (int, np.integer)) or min_total < 0:
        raise InvalidOptionError(f"min_total must be a whole number >= 0 (the fewest strong edges a head needs "
                                 f"to be shown), got {min_total!r}")
    return int(min_total)


class StrongPairIndex:
    """Sorted strong pairs of every head of one protein, for the contact statistic.

    Parameters
    ----------
    attention : Attention
        ``values`` of any float dtype (float32, float16, a read-only memmap).
    chain : Chain
        Supplies the contact map and the pairs that count (both residues have a CB).
    floor : float
        Pairs weaker than this are not indexed (> 0).
    cutoff, min_separation : float, int
        The contact definition.
    float32_source : callable, optional
        ``float32_source(visit)`` calls ``visit(layer, values)`` with each layer's float32
        weights ``(n_heads, L, L)`` of this attention (one forward pass); used by
        :meth:`recount` only (never by :meth:`counts`).

    Attributes
    ----------
    keys : ndarray of float64, shape=(N,)
        ``head_index + a_ij`` of the kept pairs, ascending (heads are flat
        ``layer * n_heads + head``; each head's pairs form one run).
    offsets : ndarray of int64, shape=(n_layers * n_heads + 1,)
        Head ``k``'s pairs are ``keys[offsets[k]:offsets[k + 1]]``.
    contact_before : ndarray of int64, shape=(N + 1,)
        ``contact_before[n]``: contacts among the first ``n`` kept pairs.
    exact : bool
        Whether the counts are exact at every threshold (see :meth:`exact_at` for
        one threshold): the strong pairs are the model's float32 weights and the
        stored copy, read below the floor, is float32.
    """

    def __init__(self, attention: Attention, chain: Chain, *, floor: float = DEFAULT_FLOOR,
                 cutoff: float = CONTACT_CUTOFF, min_separation: int = CONTACT_MIN_SEPARATION,
                 float32_source=None) -> None:
        attention.check_chain(chain)
        self.attention = attention
        self.floor = check_threshold(floor)
        if self.floor <= 0:
            raise ValueError("the index floor must be above 0 (thresholds below it are counted by a full pass)")
        self.n_layers, self.n_heads = attention.n_layers, attention.n_heads
        counted = np.asarray(chain.pair_mask("cb"), dtype=bool)
        self._counted = counted.ravel()
        self._labels = (np.asarray(chain.contact_map(cutoff, min_separation), dtype=bool) & counted).ravel()
        self.background_hits = int(self._labels.sum())
        self.background_total = int(self._counted.sum())
        strong = pairs_down_to(attention, self.floor)
        self.pairs_exact = strong.exact
        self.stored_exact = np.asarray(attention.values).dtype == np.float32  # below the floor: read as is
        self.float32_source = float32_source
        self._recounted: dict[np.float32, tuple[np.ndarray, np.ndarray]] = {}
        keys, pairs = strong.keys, strong.pairs
        if strong.floor < self.floor:
            keep = _weights_of(keys) >= np.float32(self.floor)
            keys, pairs = keys[keep], pairs[keep]
        keep = self._counted[pairs]
        self.keys = keys[keep]
        self.contact_before = np.concatenate([[0], np.cumsum(self._labels[pairs[keep]], dtype=np.int64)])
        starts = np.searchsorted(self.keys, np.arange(self._n_flat) + self.floor / 2, side="left")
        self.offsets = np.append(starts, self.keys.size).astype(np.int64)

    @property
    def exact(self) -> bool:
        return self.pairs_exact and self.stored_exact

    def exact_at(self, threshold: float) -> bool:
        """Whether :meth:`counts` at ``threshold`` are the model's float32 counts."""
        t = np.float32(check_threshold(threshold))
        if t >= np.float32(self.floor):
            return self.pairs_exact
        return bool(t <= 0 or self.stored_exact or t in self._recounted)

    @property
    def can_recount(self) -> bool:
        """Whether :meth:`recount` can run (a ``float32_source`` was given)."""
        return self.float32_source is not None

    @property
    def _n_flat(self) -> int:
        return self.n_layers * self.n_heads

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.offsets.nbytes + self.contact_before.nbytes)

    def counts(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """``(hits, total)`` per head, int64 shape=(n_layers, n_heads): counted pairs
        ``a_ij >= threshold`` that are contacts, and all of them."""
        t = np.float32(check_threshold(threshold))
        shape = (self.n_layers, self.n_heads)
        if self.reads_heads_at(t):
            counts = self.head_counts()
            count_heads_at_least(self.attention.values, t, counts)
            return counts.result()  # exact, or approximate as exact_at says
        if t < np.float32(self.floor):
            hits, total = self._recounted[t]
            return hits.copy(), total.copy()
        starts = np.searchsorted(self.keys, np.arange(self.offsets.size - 1) + np.float64(t), side="left")
        ends = self.offsets[1:]
        total = (ends - starts).reshape(shape)
        hits = (self.contact_before[ends] - self.contact_before[starts]).reshape(shape)
        return hits, total

    def reads_heads_at(self, threshold: float) -> bool:
        """Whether :meth:`counts` at ``threshold`` reads every stored head (below the floor, not recounted)."""
        t = np.float32(check_threshold(threshold))
        return bool(t < np.float32(self.floor) and (self.stored_exact or t not in self._recounted))

    def head_counts(self) -> "HeadCounts":
        """Empty per-head counts for a pass over the stored heads (:meth:`counts` below the floor, or a
        pass shared with other per-head counts, e.g. the head grid's flags)."""
        return HeadCounts(self._counted, self._labels, self.n_layers, self.n_heads)

    def recount(self, threshold: float) -> None:
        """Make :meth:`counts` exact at ``threshold`` (below the floor) and at every slider position
        below the floor, from ONE float32 forward pass of ``float32_source`` (the model).

        Only called on the user's request (never on a threshold change).  Nothing happens when the
        counts there are exact already.  Raises :class:`~protattn_widgets.errors.InvalidOptionError`
        when this index has no ``float32_source``.
        """
        t = np.float32(check_threshold(threshold))
        if self.exact_at(t):
            return
        if self.float32_source is None:
            raise InvalidOptionError("these head-grid counts cannot be recounted exactly: the grid has no model "
                                     "(build it with float32_source=model_float32_source(model), as "
                                     "AttentionExplorer does)")
        steps = np.round(np.arange(1, int(np.ceil(self.floor / SLIDER_STEP))) * SLIDER_STEP, 10)
        wanted = np.unique(np.concatenate([[t], steps.astype(np.float32)]))
        wanted = wanted[(wanted > 0) & (wanted < np.float32(self.floor))]
        hits, total = _counts_at_least(self.float32_source, wanted, self._counted, self._labels,
                                       self.n_layers, self.n_heads)
        shape = (self.n_layers, self.n_heads)
        for k, value in enumerate(wanted):
            self._recounted[np.float32(value)] = (hits[:, k].reshape(shape), total[:, k].reshape(shape))

    def accumulator(self, threshold: float, min_total: int,
                    counts: tuple[np.ndarray, np.ndarray] | None = None) -> PropertyAccumulator:
        """The counts at ``threshold`` (:meth:`counts`, unless given) as a :class:`PropertyAccumulator`
        (one protein)."""
        hits, total = self.counts(threshold) if counts is None else counts
        acc = PropertyAccumulator(self.n_layers, self.n_heads, threshold, min_total)
        return acc.add_counts(hits, total, self.background_hits, self.background_total)

    def kept_per_head(self) -> np.ndarray:
        """Indexed pairs per head, shape=(n_layers, n_heads)."""
        return np.diff(self.offsets).reshape(self.n_layers, self.n_heads)


class HeadCounts:
    """Per head, the counted pairs among its strong pairs and the contacts among them, a head at a time.

    ``counted``, ``labels``: bool ``(L * L,)``, the pairs that count and those that are contacts.
    """

    def __init__(self, counted: np.ndarray, labels: np.ndarray, n_layers: int, n_heads: int) -> None:
        self.counted, self.labels, self.shape = counted, labels, (n_layers, n_heads)
        self.hits = np.zeros(n_layers * n_heads, dtype=np.int64)
        self.total = np.zeros_like(self.hits)

    def add_head(self, flat: int, kept: np.ndarray) -> None:
        """Count one head, ``kept`` its strong pairs ``i * L + j``."""
        self.total[flat] = np.count_nonzero(self.counted[kept])
        self.hits[flat] = np.count_nonzero(self.labels[kept])

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """``(hits, total)``, int64 shape=(n_layers, n_heads)."""
        return self.hits.reshape(self.shape), self.total.reshape(self.shape)


def _counts_at_least(source, thresholds: np.ndarray, counted: np.ndarray, labels: np.ndarray, n_layers: int,
                     n_heads: int) -> tuple[np.ndarray, np.ndarray]:
    """``(hits, total)``, int64 shape=(n_layers * n_heads, k): per head, counted pairs (and contacts
    among them) with float32 ``a_ij >= thresholds[k]`` (ascending float32), from one pass of ``source``."""
    k = thresholds.size
    hits = np.zeros((n_layers * n_heads, k), dtype=np.int64)
    total = np.zeros_like(hits)
    seen = np.zeros(n_layers, dtype=bool)

    def at_least(values: np.ndarray) -> np.ndarray:  # (n_heads, m) -> (n_heads, k)
        # How many thresholds each value reaches (NaN reaches none), then per head a histogram of that.
        reached = np.searchsorted(thresholds, values, side="right")
        reached[np.isnan(values)] = 0
        flat = reached + (k + 1) * np.arange(values.shape[0])[:, None]
        bins = np.bincount(flat.ravel(), minlength=values.shape[0] * (k + 1)).reshape(-1, k + 1)
        return np.cumsum(bins[:, ::-1], axis=1)[:, ::-1][:, 1:]

    def visit(layer: int, weights) -> None:
        block = np.asarray(weights, dtype=np.float32).reshape(n_heads, -1)
        rows = slice(layer * n_heads, (layer + 1) * n_heads)
        total[rows] = at_least(block[:, counted])
        hits[rows] = at_least(block[:, labels])
        seen[layer] = True

    source(visit)
    if not seen.all():
        raise RuntimeError(f"the float32 source gave {int(seen.sum())} of {n_layers} layers")
    return hits, total


def _weights_of(keys: np.ndarray) -> np.ndarray:
    """``a`` of each key ``head + a`` (exact): its fractional part, where 0 is ``a = 1`` of the
    previous head (no kept weight is 0, as the floor is above 0)."""
    weights = keys - np.floor(keys)
    weights[weights == 0] = 1.0
    return weights


def pairs_at_least(values: np.ndarray, threshold: float) -> np.ndarray:
    """How many pairs of each head have ``a_ij >= threshold``, int64 shape=(n_layers, n_heads).

    Exactly ``(values >= threshold).sum(axis=(2, 3))`` (numpy compares in the array's dtype), one layer at a time (no tensor-sized
    temporary).  Float16 heads are compared on their bit patterns (for float16 values from
    ``+0`` to ``+inf`` the order of the bits is the order of the values; NaN and negative
    values lie above ``+inf``'s bits and are excluded, as the float comparison does), which
    is several times faster than numpy's float16 comparison.
    """
    values = np.asarray(values)
    t = float(threshold)
    out = np.zeros(values.shape[:2], dtype=np.int64)
    low = None
    if values.dtype == np.float16 and np.float16(t) > 0:  # numpy compares in float16 (threshold rounded)
        low = int(np.asarray(t, dtype=np.float16).view(np.uint16))
    for layer in range(values.shape[0]):
        chunk = values[layer]
        if low is not None:
            keys = chunk.view(np.uint16)
            out[layer] = np.count_nonzero((keys >= low) & (keys <= 0x7C00), axis=(1, 2))
        else:
            out[layer] = np.count_nonzero(chunk >= np.asarray(t, dtype=chunk.dtype), axis=(1, 2))
    return out
