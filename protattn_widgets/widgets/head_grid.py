"""Layers x heads tiles coloured by a per-head statistic of one protein.

The default statistic is the paper's, for one protein: of the attention pairs
``a_ij >= threshold``, the share that are 3D contacts, computed by
:class:`~.grid_counts.StrongPairIndex`, which gives the same integers as
:func:`protattn_widgets.analysis.contact_accumulator` (the function the dataset
analysis uses) from the strong pairs captured with the attention (no pass over
the heads; :mod:`protattn_widgets.strong_pairs`), then a ``searchsorted`` per
threshold: only the threshold in use is computed (heads with fewer than
``min_total`` such pairs have no value and are drawn grey).

What crosses the wire: ``_values`` (float32, NaN = no value), ``_counts``
(uint32, the number of strong pairs of each head) and ``_ci`` (float32, the 95 %
Clopper-Pearson interval of each share, lower bounds then upper): 4 bytes per head each, 512 bytes for
AntiBERTy's 64 heads (11.5 kB for ESM-2 3B's 1,440), when the threshold or the
chain changes.  The front-end sizes tiles from the head count, states the
colour scale under the grid, draws heads with fewer than 3 x ``min_total``
pairs as small tiles and lists the top five heads.  Changing the
layer or head sends only the two integers (the outline moves).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from traitlets import Bytes, CaselessStrEnum, Int, Unicode, observe

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION, MIN_STRONG_EDGES
from ..analysis.accumulator import PropertyAccumulator
from ..analysis.statistics import clopper_pearson
from ._base import STATIC, AttentionViewBase, hold_sync, SyncedWidget
from .encoding import float32_bytes, uint32_bytes
from .grid_counts import DEFAULT_FLOOR, StrongPairIndex, check_min_total

__all__ = ["HeadGrid", "HeadGridData"]

_CACHED_THRESHOLDS = 64


class HeadGridData(AttentionViewBase):
    """Every head of the model as a tile; click one to show it.

    Hover shows e.g. ``"2-7: 15.8% on contacts (9 of 57 strong pairs, 95% CI 7.5-27.9%)"``
    (1-based layer-head, the share, the strong pairs it rests on, its exact interval).

    Parameters
    ----------
    attention : Attention
    chain : Chain
        Needed for the contact statistic (not when ``statistic`` is given).
    min_total : int
        Heads with fewer strong pairs than this get no value.
    contact_cutoff, min_separation : float, int
        The contact definition (CB < 8 Å, ``|i - j| >= 6``).
    statistic : ndarray, shape=(n_layers, n_heads), optional
        Show this instead (a masked array's masked heads get no value); it does
        not change with the threshold.
    statistic_name : str, optional
        Caption of a given ``statistic``.
    floor : float
        Attention below this is not indexed (see :mod:`.grid_counts`): thresholds
        at or above it cost one ``searchsorted``, those below it a pass over
        every head.
    """


    _values = Bytes(b"").tag(sync=True)
    _counts = Bytes(b"").tag(sync=True)
    _ci = Bytes(b"").tag(sync=True)
    statistic_name = Unicode("").tag(sync=True)
    min_total = Int(MIN_STRONG_EDGES).tag(sync=True)
    value_format = CaselessStrEnum(("percent", "number"), default_value="percent").tag(sync=True)

    def __init__(self, attention, chain=None, *, min_total: int = MIN_STRONG_EDGES, contact_cutoff: float = CONTACT_CUTOFF,
                 min_separation: int = CONTACT_MIN_SEPARATION, statistic: np.ndarray | None = None,
                 statistic_name: str | None = None, value_format: str | None = None,
                 floor: float = DEFAULT_FLOOR, float32_source=None, **kwargs) -> None:
        min_total = check_min_total(min_total)
        self.contact_cutoff = float(contact_cutoff)
        self.min_separation = int(min_separation)
        self._given = None if statistic is None else np.ma.asarray(statistic, dtype=float)
        if self._given is not None and self._given.shape != attention.values.shape[:2]:
            raise ValueError(f"statistic must have shape {attention.values.shape[:2]} (layers, heads), "
                             f"got {self._given.shape}")
        if self._given is None and chain is None:
            raise ValueError("HeadGrid needs the chain (for its contact map) unless a statistic is given")
        self.floor = float(floor)
        self.float32_source = float32_source  # (chain, visit): exact counts below the floor (grid_counts.py)
        self._index: StrongPairIndex | None = None
        self._accumulators: OrderedDict[float, PropertyAccumulator] = OrderedDict()
        self.accumulator: PropertyAccumulator | None = None
        fmt = value_format or ("percent" if self._given is None else "number")
        super().__init__(attention, chain, value_format=fmt, statistic_name=statistic_name or "",
                         min_total=int(min_total), **kwargs)

    def _on_chain(self) -> None:
        self._accumulators.clear()
        self._index = None

    @property
    def counts_contacts(self) -> bool:
        """Whether the grid shows its own contact statistic (not a ``statistic=`` it was given)."""
        return self._given is None

    @property
    def pair_index(self) -> StrongPairIndex:
        """The chain's sorted strong pairs (built on first use from ``attention.strong_pairs``)."""
        if self._index is None:
            source, chain = self.float32_source, self.chain
            self._index = StrongPairIndex(self.attention, chain, floor=self.floor, cutoff=self.contact_cutoff,
                                          min_separation=self.min_separation,
                                          float32_source=None if source is None else (lambda visit: source(chain, visit)))
        return self._index

    def _data_key(self) -> tuple:
        return ("given",) if self._given is not None else (self.threshold, self.min_total)

    @observe("min_total")
    def _on_min_total(self, change) -> None:
        if self._live:
            self._refresh()

    @property
    def statistic(self) -> np.ma.MaskedArray:
        """The values drawn, shape=(n_layers, n_heads), masked where a head has none."""
        if self._given is not None:
            return self._given
        return self.accumulator.share

    def contact_accumulator(self, threshold: float | None = None) -> PropertyAccumulator:
        """The contact counts of this protein at ``threshold`` (default: the current one), memoised."""
        t = self.threshold if threshold is None else float(threshold)
        acc = self._accumulators.get(t)
        if acc is None or acc.min_total != self.min_total:
            acc = self.pair_index.accumulator(t, self.min_total)
            self._accumulators[t] = acc
            while len(self._accumulators) > _CACHED_THRESHOLDS:
                self._accumulators.popitem(last=False)
        else:
            self._accumulators.move_to_end(t)
        return acc

    def _send_data(self) -> None:
        if self._given is not None:
            self._values = float32_bytes(self._given)
            self._counts = b""
            self._ci = b""
            self.caption = self.statistic_name
            return
        acc = self.accumulator = self.contact_accumulator()
        self._values = float32_bytes(acc.share)
        self._counts = uint32_bytes(acc.total)
        low, high = clopper_pearson(acc.hits, acc.total)
        self._ci = float32_bytes(np.concatenate([low.ravel(), high.ravel()]))
        self.statistic_name = "attention on 3D contacts"
        data = f"chain {self.chain_id}" if self.chain_id else "this sequence"
        self.caption = (f"share of attention \u2265 {self.threshold:.2f} on contacts "
                        f"(background {acc.background:.1%}); ranked: heads with \u2265 {self.min_total} "
                        f"strong pairs on {data}")
        if not self.pair_index.exact_at(self.threshold):
            self.caption += (" \u2014 approximate: counted from the float16 copy of the attention, "
                             f"exact at {self.floor:g} and above")

    def best_heads(self, k: int = 5) -> list[tuple[int, int]]:
        """The ``k`` heads with the highest value, best first, as 0-based ``(layer, head)``."""
        stat = self.statistic
        flat = stat.filled(-np.inf).ravel() if isinstance(stat, np.ma.MaskedArray) else np.ravel(stat)
        order = np.argsort(-flat, kind="stable")[:k]
        return [divmod(int(i), stat.shape[1]) for i in order if np.isfinite(flat[i])]


class HeadGrid(HeadGridData, SyncedWidget):
    """Every head of the model as a tile coloured by its statistic, as a widget; click one to show it.

    Parameters and attributes as :class:`HeadGridData` (the same computation without the widget,
    which :class:`~.explorer.AttentionExplorer` uses as its part).
    """

    _esm = STATIC / "head_grid.js"