"""Layers x heads tiles coloured by a per-head statistic of one protein.

The default statistic is the paper's, for one protein: of the attention pairs
``a_ij >= threshold``, the share that are 3D contacts, computed by
:class:`~.grid_counts.StrongPairIndex`, which gives the same integers as
:func:`protattn_widgets.analysis.contact_accumulator` (the function the dataset
analysis uses) from the strong pairs captured with the attention (no pass over
the heads; :mod:`protattn_widgets.strong_pairs`), then a ``searchsorted`` per
threshold: only the threshold in use is computed (heads with fewer than
``min_total`` such pairs have no value and are drawn grey).  Below the floor a
new threshold reads each stored head once, for both the counts and the
tooltip's flags (column, positional, sink heads); the counts and the flags of
the last 64 thresholds are kept.

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

import functools
import inspect

from collections import OrderedDict
from typing import NamedTuple

import numpy as np
from traitlets import Bool, Bytes, CaselessStrEnum, Int, List, Unicode, observe, validate

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION, MIN_STRONG_EDGES, STRONG_EDGES
from ..analysis.accumulator import PropertyAccumulator
from ..analysis.statistics import clopper_pearson
from ..errors import InvalidOptionError
from ..head_statistics import (EdgeCounts, available_statistics, flag_words_per_head, grid_view, protein_flags,
                               reads_every_head)
from ..strong_pairs import count_heads_at_least
from ._base import STATIC, AttentionViewBase, hold_sync, SyncedWidget
from ._checks import format_threshold
from .encoding import float32_bytes, uint32_bytes
from .grid_counts import DEFAULT_FLOOR, StrongPairIndex, check_min_total

__all__ = ["HeadGrid", "HeadGridData"]

_CACHED_THRESHOLDS = 64


class HeadGridData(AttentionViewBase):
    """Every head of the model as a tile; click one to show it.

    Hover shows e.g. ``"2-7: 15.8% (9 of 57 strong edges i→j, 95% CI 7.5-27.9%)"``
    (1-based layer-head, the share, the strong edges it rests on in the unit of
    :data:`~protattn_widgets.definitions.STRONG_EDGES`, its exact interval).

    Parameters
    ----------
    attention : Attention
    chain : Chain
        Needed for the contact statistic (not when ``statistic`` is given).
    min_total : int
        Heads with fewer strong edges than this get no value.
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
        every head of the stored copy (approximate when it is float16: the
        caption says so).
    float32_source : callable, optional
        ``float32_source(chain, visit)`` (e.g. :func:`.grid_counts.model_float32_source`):
        lets :meth:`recount_exactly` count below the floor from the model's float32
        weights, when the user asks (never on a threshold change).
    """


    _values = Bytes(b"").tag(sync=True)
    _counts = Bytes(b"").tag(sync=True)
    _ci = Bytes(b"").tag(sync=True)
    statistic_name = Unicode("").tag(sync=True)
    min_total = Int(MIN_STRONG_EDGES).tag(sync=True)
    value_format = CaselessStrEnum(("percent", "number"), default_value="percent").tag(sync=True)
    #: What colours the tiles: a key of head_statistics.GRID_STATISTICS ("contact_share" by default).
    statistic_choice = Unicode("contact_share").tag(sync=True)
    _choices = List(Unicode()).tag(sync=True)  # the choices this attention offers (the page's menu)
    _flags = List(Unicode()).tag(sync=True)  # per head: "column; positional (+1); sink" of this protein
    #: The counts shown are approximate and :meth:`recount_exactly` can make them exact (the page shows a button).
    recount_available = Bool(False).tag(sync=True)

    def __init__(self, attention, chain=None, *, min_total: int = MIN_STRONG_EDGES, contact_cutoff: float = CONTACT_CUTOFF,
                 min_separation: int = CONTACT_MIN_SEPARATION, statistic: np.ndarray | None = None,
                 statistic_name: str | None = None, value_format: str | None = None,
                 floor: float = DEFAULT_FLOOR, float32_source=None, **kwargs) -> None:
        min_total = check_min_total(min_total)
        self.contact_cutoff = float(contact_cutoff)
        self.min_separation = int(min_separation)
        if statistic is None:
            if chain is None:
                raise ValueError("HeadGrid needs the chain (for its contact map) unless a statistic is given")
            self.source = ContactShare()
        else:
            self.source = GivenStatistic(statistic, attention.values.shape[:2], statistic_name or "")
        self.floor = float(floor)
        self.float32_source = float32_source  # (chain, visit): exact counts below the floor (grid_counts.py)
        self._index: StrongPairIndex | None = None
        self._accumulators: _Recent[PropertyAccumulator] = _Recent()
        self._flag_words: _Recent[list[str]] = _Recent()  # the tooltip's flags per threshold
        self.accumulator: PropertyAccumulator | None = None
        self.statistic: np.ma.MaskedArray | None = None
        fmt = value_format or self.source.value_format
        super().__init__(attention, chain, value_format=fmt, statistic_name=statistic_name or "",
                         min_total=int(min_total), **kwargs)

    def _on_chain(self) -> None:
        self._accumulators.clear()
        self._flag_words.clear()
        self._index = None

    @property
    def counts_contacts(self) -> bool:
        """Whether the grid shows its own contact statistic (not a ``statistic=`` it was given)."""
        return self.source.counts_contacts

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
        return self.source.key(self)

    @validate("statistic_choice")
    def _valid_statistic_choice(self, proposal):
        if not self.source.counts_contacts and not isinstance(self.source, HeadDiagnostic):
            raise InvalidOptionError("this grid shows a statistic it was given; it has no other choices")
        choices = available_statistics(self.attention, has_chain=self.chain is not None)
        if proposal.value not in choices:
            raise InvalidOptionError(f"the grid can show {choices} for this attention, not {proposal.value!r}")
        return proposal.value

    @observe("statistic_choice")
    def _on_statistic_choice(self, change) -> None:
        self.source = ContactShare() if change["new"] == "contact_share" else HeadDiagnostic(change["new"])
        if self._live:
            self._refresh()

    @observe("selected_residue")
    def _on_selected_residue(self, change) -> None:
        if self._live and isinstance(self.source, HeadDiagnostic):
            self._refresh()  # attention_to_residue follows the selection (its key has the residue)

    @observe("min_total")
    def _on_min_total(self, change) -> None:
        if self._live:
            self._refresh()

    def contact_accumulator(self, threshold: float | None = None) -> PropertyAccumulator:
        """The contact counts of this protein at ``threshold`` (default: the current one), memoised."""
        t = self.threshold if threshold is None else float(threshold)
        acc = self._accumulators.recall(t)
        if acc is None or acc.min_total != self.min_total:  # a new minimum re-ranks the counts kept
            counts = None if acc is None else (acc.hits, acc.total)
            acc = self._accumulators.keep(t, self.pair_index.accumulator(t, self.min_total, counts))
        return acc

    def flag_words(self, threshold: float | None = None) -> list[str]:
        """Each head's flags in words at ``threshold`` (default: the current one), flat order
        (:func:`~protattn_widgets.head_statistics.flag_words_per_head`), memoised."""
        t = self.threshold if threshold is None else float(threshold)
        words = self._flag_words.recall(t)
        if words is None:
            words = self._flag_words.keep(t, flag_words_per_head(protein_flags(self.attention, t)))
        return words

    def _read_heads_once(self) -> None:
        """A new threshold at which both the contact counts and the flags read every stored head
        (below the floor): ONE read of each head counts both (it was a pass each), and keeps them."""
        t = self.threshold
        if not (self.counts_contacts and self._shows_flags and t not in self._accumulators
                and t not in self._flag_words and self.pair_index.reads_heads_at(t)
                and reads_every_head(self.attention, t)):
            return  # at most one of them reads the heads
        contacts = self.pair_index.head_counts()
        edges = EdgeCounts(self.attention.n_layers, self.attention.n_heads, len(self.attention))
        count_heads_at_least(self.attention.values, t, contacts, edges)
        self._accumulators.keep(t, self.pair_index.accumulator(t, self.min_total, contacts.result()))
        self._flag_words.keep(t, flag_words_per_head(protein_flags(self.attention, t, edges)))

    @property
    def _shows_flags(self) -> bool:
        return not isinstance(self.source, GivenStatistic)

    def recount_exactly(self) -> None:
        """Make the counts at the current threshold exact when they are approximate (float16 copy,
        below the floor): ONE float32 forward pass of the model, which also counts every slider
        position below the floor.  The page's "recount exactly" button calls this.

        Raises :class:`~protattn_widgets.errors.InvalidOptionError` when the grid has no model.
        """
        if not self.counts_contacts:
            return
        index = self.pair_index
        if index.exact_at(self.threshold):
            return
        index.recount(self.threshold)
        self._accumulators.clear()
        if self._live:
            self._refresh()

    def _send_data(self) -> None:
        self._read_heads_once()
        values = self.source.values(self)
        self.statistic = values.share
        self._values = float32_bytes(values.share)
        self._counts = b"" if values.total is None else uint32_bytes(values.total)
        self._ci = b"" if values.ci is None else float32_bytes(np.concatenate([values.ci[0].ravel(), values.ci[1].ravel()]))
        self.statistic_name = values.name
        self.caption = values.caption
        self.value_format = self.source.value_format
        self.recount_available = bool(self.counts_contacts and not self.pair_index.exact_at(self.threshold)
                                      and self.pair_index.can_recount)
        if self._shows_flags:
            self._choices = available_statistics(self.attention, has_chain=self.chain is not None)
            self._flags = self.flag_words()

    def best_heads(self, k: int = 5) -> list[tuple[int, int]]:
        """The ``k`` heads with the highest value, best first, as 0-based ``(layer, head)``."""
        stat = self.statistic
        flat = stat.filled(-np.inf).ravel() if isinstance(stat, np.ma.MaskedArray) else np.ravel(stat)
        order = np.argsort(-flat, kind="stable")[:k]
        return [divmod(int(i), stat.shape[1]) for i in order if np.isfinite(flat[i])]


class _Recent(OrderedDict):
    """Values of the last :data:`_CACHED_THRESHOLDS` thresholds used; the least recently used goes first."""

    def recall(self, key):
        """The value kept for ``key`` (now the most recent), else None."""
        if key not in self:
            return None
        self.move_to_end(key)
        return self[key]

    def keep(self, key, value):
        """Keep ``value`` for ``key`` as the most recent; returns it."""
        self[key] = value
        self.move_to_end(key)
        while len(self) > _CACHED_THRESHOLDS:
            self.popitem(last=False)
        return value


class GridValues(NamedTuple):
    """What the grid draws at one state: ``share`` (masked where a head has no value), the strong
    pairs each rests on and their 95 % interval (None for a given statistic), its name and caption."""

    share: np.ma.MaskedArray
    total: np.ndarray | None
    ci: tuple[np.ndarray, np.ndarray] | None
    name: str
    caption: str


class ContactShare:
    """The paper's statistic for one protein: the share of each head's strong edges on 3D contacts."""

    counts_contacts = True
    value_format = "percent"

    def key(self, grid: HeadGridData) -> tuple:
        return (grid.threshold, grid.min_total, grid.pair_index.exact_at(grid.threshold))

    def values(self, grid: HeadGridData) -> GridValues:
        acc = grid.accumulator = grid.contact_accumulator()
        data = f"chain {grid.chain_id}" if grid.chain_id else "this sequence"
        caption = (f"share of {STRONG_EDGES} (attention \u2265 {format_threshold(grid.threshold)}) on contacts "
                   f"(background {acc.background:.1%}); ranked: heads with \u2265 {grid.min_total} "
                   f"{STRONG_EDGES} on {data}")
        if not grid.pair_index.exact_at(grid.threshold):
            caption += (" \u2014 approximate below {floor:g}: counted from the float16 copy of the attention "
                        "(exact at {floor:g} and above)").format(floor=grid.floor)
        return GridValues(acc.share, acc.total, clopper_pearson(acc.hits, acc.total), "attention on 3D contacts", caption)


class HeadDiagnostic:
    """One of :data:`~protattn_widgets.head_statistics.GRID_STATISTICS` other than the contact share
    (attention to the selected residue, special-token mass, mean |i - j| of strong pairs, entropy)."""

    counts_contacts = False

    def __init__(self, name: str) -> None:
        from ..head_statistics import GRID_FORMATS

        self.name, self.value_format = name, GRID_FORMATS[name]

    def key(self, grid: HeadGridData) -> tuple:
        residue = grid.selected_residue if self.name == "attention_to_residue" else None
        return (self.name, grid.threshold, grid.min_total, residue)

    def values(self, grid: HeadGridData) -> GridValues:
        view = grid_view(grid.attention, self.name, threshold=grid.threshold, residue=grid.selected_residue,
                         min_total=grid.min_total)
        return GridValues(view["values"], view["counts"], None, view["caption"], view["caption"])


class GivenStatistic:
    """A per-head statistic the caller computed: the same values at every threshold, no counts."""

    counts_contacts = False
    value_format = "number"

    def __init__(self, statistic, shape: tuple[int, int], name: str) -> None:
        self.statistic = np.ma.asarray(statistic, dtype=float)
        if self.statistic.shape != tuple(shape):
            raise ValueError(f"statistic must have shape {tuple(shape)} (layers, heads), got {self.statistic.shape}")
        self.name = name

    def key(self, grid: HeadGridData) -> tuple:
        return ("given",)

    def values(self, grid: HeadGridData) -> GridValues:
        return GridValues(self.statistic, None, None, self.name, self.name)


class HeadGrid(HeadGridData, SyncedWidget):
    """Every head of the model as a tile coloured by its statistic, as a widget; click one to show it.

    Parameters and attributes as :class:`HeadGridData` (the same computation without the widget,
    which :class:`~.explorer.AttentionExplorer` uses as its part).
    """

    _esm = STATIC / "head_grid.js"

    @functools.wraps(HeadGridData.__init__, assigned=("__doc__",), updated=())
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.on_msg(self._on_message)

    __init__.__signature__ = inspect.signature(HeadGridData.__init__)  # help() and IDEs show the real parameters

    def _on_message(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "recount":
            self.recount_exactly()