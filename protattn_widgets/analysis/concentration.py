"""How concentrated each head's strong attention is on single target residues.

A head whose strong edges (attention ``a_ij >= threshold``) nearly all point at
one residue ``j`` (a "column" of its attention matrix) can score high on a
pair property such as contacts only because that one residue happens to be
in contact with a few of the queries.  :class:`TargetConcentration` counts,
per head, over the same strong edges the property statistic counts:

* ``total``: strong edges.
* ``targets``: distinct target residues (protein, ``j``) that receive at least one.
* ``top_edges`` / ``top_target``: the strong edges into the single most-attended
  target residue of the whole dataset, and that residue's label
  (``"B MET 50"``; datasets prefix the protein id).  Ties: the first one counted.
* ``column_edges``: the sum over proteins of the strong edges into each
  protein's own most-attended residue, where that residue receives at least
  :data:`COLUMN_MIN_EDGES` (3) of them: a *column* of the attention matrix,
  three or more queries on one key.  (Without that floor a head with one
  strong edge per protein would count as perfectly concentrated.)

Derived (see :meth:`TargetConcentration.table`):

* ``top_target_share = top_edges / total``: the share of the head's strong
  edges that go to its single most-attended residue.
* ``column_share = column_edges / total``: the share that goes to the column
  of each protein.  For one protein it equals ``top_target_share`` (when the
  top residue receives 3 or more); unlike that share it does not shrink as
  proteins are added, so it is the one the flag uses.
* ``column_head``: ``column_share >= COLUMN_SHARE`` (0.5): at least half of
  the head's strong edges go to one residue per protein.  Such a head is a
  "look at residue j" head, whatever property it scores high on.

All counts are integers that add across proteins (and across layers, when
attention is streamed one layer at a time): merging keeps the larger
``top_edges``.  Everything is vectorised over layers, heads and residues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..definitions import DEFAULT_THRESHOLD
from ..attention import check_threshold

if TYPE_CHECKING:
    import pandas

__all__ = ["TargetConcentration", "COLUMN_SHARE", "COLUMN_MIN_EDGES", "received_counts", "count_concentration",
           "concentrate_thresholded", "residue_labels", "record_labels", "format_evidence", "head_evidence",
           "evidence_grid"]

#: A head is flagged as a "column head" when at least this share of its strong
#: edges goes to one target residue per protein.
COLUMN_SHARE = 0.5
#: Strong edges a protein's most-attended residue needs to count as a column.
COLUMN_MIN_EDGES = 3


def received_counts(strong: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Strong edges into each target residue ``j``, counting only the pairs or targets in ``mask``.

    Parameters
    ----------
    strong : ndarray of bool, shape=(..., L, L)
        Strong edges (query ``i``, key ``j``), e.g. ``(n_layers, n_heads, L, L)``
        or one layer's ``(n_heads, L, L)``.
    mask : ndarray of bool, shape=(L,) or (L, L), optional
        Counted targets, or counted pairs.

    Returns
    -------
    ndarray of int64, shape=(..., L)
    """
    received = strong.sum(axis=-2, dtype=np.int64)
    if mask is None:
        return received
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 1:
        return received * mask
    excluded = ~mask
    if not excluded.any():
        return received
    # Gather only the smaller side of the mask, then add per target column.
    if excluded.sum() <= mask.sum():
        return received - _received_at(strong, excluded)
    return _received_at(strong, mask)


def _received_at(strong: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Strong edges into each target, counted at the ``True`` pairs only, shape ``(..., L)``."""
    length = pairs.shape[-1]
    j, i = np.nonzero(pairs.T)  # sorted by target j
    out = np.zeros(strong.shape[:-2] + (length,), dtype=np.int64)
    if j.size == 0:
        return out
    gathered = strong[..., i, j].astype(np.int64)  # (..., nnz)
    starts = np.flatnonzero(np.r_[True, j[1:] != j[:-1]])
    out[..., j[starts]] = np.add.reduceat(gathered, starts, axis=-1)
    return out


def residue_labels(chain=None, *, sequence: str | None = None, residue_ids: Sequence[str] | None = None,
                   prefix: str = "") -> list[str]:
    """People's names of a chain's residues: ``"B MET 50"`` (``prefix`` first, e.g. a protein id).

    Without a chain: ``"<prefix> M 50"`` from the one-letter ``sequence`` and ``residue_ids``.
    """
    lead = f"{prefix} " if prefix else ""
    if chain is not None:
        return [f"{lead}{chain.chain_id} {name} {rid}" for name, rid in zip(chain.residue_names, chain.residue_ids)]
    ids = residue_ids if residue_ids is not None else [str(n + 1) for n in range(len(sequence or ""))]
    return [f"{lead}{letter} {rid}" for letter, rid in zip(sequence or "", ids)]


def record_labels(record, with_id: bool = True) -> list[str]:
    """Residue labels of a :class:`~.datasets.ProteinRecord`: ``"1vfb_complex:B MET 50"`` (``"MET 50"``
    without the record's id).

    Records without a chain name residues by their one-letter code.
    """
    names = record.chain.residue_names if record.chain is not None else list(record.sequence)
    lead = f"{record.id} " if with_id else ""
    return [f"{lead}{name} {rid}" for name, rid in zip(names, record.residue_ids)]


class TargetConcentration:
    """Per head: strong edges, distinct targets and the most-attended target residue.

    Parameters
    ----------
    n_layers, n_heads : int
    threshold : float
        Strong edges are ``a_ij >= threshold``.

    Attributes
    ----------
    total, targets, top_edges, column_edges : ndarray of int64, shape=(n_layers, n_heads)
        See the module docstring.
    top_target : ndarray of str (object), shape=(n_layers, n_heads)
        Label of the most-attended residue (``""`` where a head has no strong edge).
    proteins : int
    """

    def __init__(self, n_layers: int, n_heads: int, threshold: float = DEFAULT_THRESHOLD):
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        self.threshold = check_threshold(threshold)
        shape = (self.n_layers, self.n_heads)
        self.total = np.zeros(shape, dtype=np.int64)
        self.targets = np.zeros(shape, dtype=np.int64)
        self.top_edges = np.zeros(shape, dtype=np.int64)
        self.column_edges = np.zeros(shape, dtype=np.int64)
        self.top_target = np.full(shape, "", dtype=object)
        # Index of the top target among its protein's residues (-1: none); meaningful per protein only.
        self.top_index = np.full(shape, -1, dtype=np.int64)
        self.proteins = 0

    def __repr__(self) -> str:
        return (f"TargetConcentration({self.n_layers}x{self.n_heads}, threshold={self.threshold:g}, "
                f"proteins={self.proteins}, column heads={int(self.column_head.sum())})")

    # ------------------------------------------------------------------ counting

    def add(self, values: np.ndarray, *, mask: np.ndarray | None = None, labels: Sequence[str] | None = None,
            layer: int | None = None) -> "TargetConcentration":
        """Count one protein (or one layer of it).

        Parameters
        ----------
        values : ndarray, shape=(n_layers, n_heads, L, L), or (n_heads, L, L) with ``layer``
            Attention (query ``i``, key ``j``).
        mask : ndarray of bool, shape=(L,) or (L, L), optional
            Counted targets or pairs (as for the property statistic).
        labels : sequence of str, length L, optional
            Residue labels (:func:`residue_labels`); default ``"1".."L"``.
        layer : int, optional
            0-based layer of a single layer's ``values``; the protein is
            counted in :attr:`proteins` with layer 0.
        """
        values = np.asarray(values)
        expected = (self.n_heads,) if layer is not None else (self.n_layers, self.n_heads)
        if values.shape[:-2] != expected or values.shape[-1] != values.shape[-2]:
            raise ValueError(f"values must have shape {(*expected, 'L', 'L')}, got {values.shape}")
        return self.add_received(received_counts(values >= self.threshold, mask), labels=labels, layer=layer)

    def add_received(self, received: np.ndarray, *, labels: Sequence[str] | None = None,
                     layer: int | None = None) -> "TargetConcentration":
        """Add one protein's strong edges per target residue.

        ``received`` has shape ``(n_layers, n_heads, L)``, or ``(n_heads, L)`` with ``layer``.
        """
        received = np.asarray(received, dtype=np.int64)
        where = slice(None) if layer is None else int(layer)
        expected = self.total[where].shape
        if received.shape[:-1] != expected:
            raise ValueError(f"received must have shape {(*expected, 'L')}, got {received.shape}")
        length = received.shape[-1]
        names = np.asarray(list(labels) if labels is not None else [str(n + 1) for n in range(length)], dtype=object)
        if names.shape != (length,):
            raise ValueError(f"labels must have {length} entries, got {names.shape[0]}")
        if length == 0:
            return self
        best = received.argmax(axis=-1)
        top = np.take_along_axis(received, best[..., None], axis=-1)[..., 0]
        self.total[where] += received.sum(axis=-1)
        self.targets[where] += (received > 0).sum(axis=-1)
        self.column_edges[where] += np.where(top >= COLUMN_MIN_EDGES, top, 0)
        better = top > self.top_edges[where]
        self.top_edges[where] = np.where(better, top, self.top_edges[where])
        self.top_target[where] = np.where(better, names[best], self.top_target[where])
        self.top_index[where] = np.where(better, best, self.top_index[where])
        if layer is None or int(layer) == 0:
            self.proteins += 1
        return self

    def __add__(self, other: "TargetConcentration") -> "TargetConcentration":
        merged = TargetConcentration(self.n_layers, self.n_heads, self.threshold)
        return merged.merge(self).merge(other)

    def merge(self, other: "TargetConcentration") -> "TargetConcentration":
        """Add ``other``'s proteins in place, as if counted after this one's (a tie keeps this one's top target)."""
        if (other.n_layers, other.n_heads, other.threshold) != (self.n_layers, self.n_heads, self.threshold):
            raise ValueError("can only merge concentrations with the same shape and threshold")
        better = other.top_edges > self.top_edges
        self.total = self.total + other.total
        self.targets = self.targets + other.targets
        self.column_edges = self.column_edges + other.column_edges
        self.top_edges = np.where(better, other.top_edges, self.top_edges)
        self.top_target = np.where(better, other.top_target, self.top_target)
        self.top_index = np.where(better, other.top_index, self.top_index)
        self.proteins += other.proteins
        return self

    # ------------------------------------------------------------------ reading

    @property
    def top_target_share(self) -> np.ndarray:
        """``top_edges / total`` (NaN where a head has no strong edge), shape ``(n_layers, n_heads)``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.total > 0, self.top_edges / self.total, np.nan)

    @property
    def column_share(self) -> np.ndarray:
        """``column_edges / total`` (NaN where a head has no strong edge)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.total > 0, self.column_edges / self.total, np.nan)

    @property
    def column_head(self) -> np.ndarray:
        """``column_share >= COLUMN_SHARE``, bool ``(n_layers, n_heads)``."""
        return np.nan_to_num(self.column_share, nan=0.0) >= COLUMN_SHARE

    def table(self) -> "pandas.DataFrame":
        """One row per head in 0-based flat order: the columns :func:`.statistics.head_table` adds."""
        import pandas as pd

        return pd.DataFrame({
            "targets": self.targets.ravel(),
            "top_target": self.top_target.ravel().astype(str),
            "top_target_edges": self.top_edges.ravel(),
            "top_target_share": self.top_target_share.ravel(),
            "column_share": self.column_share.ravel(),
            "column_head": self.column_head.ravel(),
        })

    # ------------------------------------------------------------------ saving

    def to_dict(self) -> dict:
        """Plain arrays (``top_target`` as a unicode array: no pickle needed) and numbers."""
        return {"total": self.total, "targets": self.targets, "top_edges": self.top_edges,
                "column_edges": self.column_edges, "top_target": self.top_target.astype(str),
                "proteins": self.proteins, "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict) -> "TargetConcentration":
        total = np.asarray(data["total"], dtype=np.int64)
        acc = cls(*total.shape, threshold=float(data["threshold"]))
        acc.total = total.copy()
        for name in ("targets", "top_edges", "column_edges"):
            setattr(acc, name, np.asarray(data[name], dtype=np.int64).copy())
        acc.top_target = np.asarray(data["top_target"]).astype(str).astype(object)
        acc.proteins = int(data["proteins"])
        return acc


def count_concentration(values: np.ndarray, threshold: float, labelled: list,
                        concentrations: dict[str, TargetConcentration], labels: Sequence[str] | None = None,
                        layer: int | None = None) -> None:
    """Add one protein (or one layer of it) to the concentration of each labelled property.

    ``labelled`` is the engine's list of ``(Property, labels, mask)``; each
    property's concentration counts the strong edges its statistic counts
    (same ``mask``).  ``values`` is ``(n_layers, n_heads, L, L)``, or one
    layer's ``(n_heads, L, L)`` with ``layer``.  Thresholds once.
    """
    strong = np.asarray(values) >= threshold
    concentrate_thresholded(strong, strong.sum(axis=-2, dtype=np.int64), labelled, concentrations, labels, layer)


def concentrate_thresholded(strong: np.ndarray, received: np.ndarray, labelled: list,
                            concentrations: dict[str, TargetConcentration], labels: Sequence[str] | None = None,
                            layer: int | None = None) -> None:
    """:func:`count_concentration` from strong edges (bool, like ``values``) and their column sums."""
    for prop, _labels, mask in labelled:
        if prop.name not in concentrations:
            continue
        counted = received if mask is None else received_counts(strong, mask)
        concentrations[prop.name].add_received(counted, labels=labels, layer=layer)


def format_evidence(hits: int, total: int, *, what: str = "the property", top_edges: int | None = None,
                    top_target: str | None = None, column_share: float | None = None, alpha: float = 0.05,
                    positional_offset: int | None = None, positional_share: float | None = None,
                    special_token_mass: float | None = None) -> str:
    """A head's evidence in words.

    >>> format_evidence(9, 57, what="contacts", top_edges=26, top_target="B MET 50")
    '9 of 57 strong edges on contacts (16 %, 95 % CI 7.5-28 %); 46 % go to one residue (B MET 50)'

    ``column_share`` (the share of strong edges on each protein's column), when it reaches
    :data:`COLUMN_SHARE`, adds ``"; column head"`` with that share;
    ``positional_share`` at or above :data:`~.offsets.POSITIONAL_SHARE` adds
    ``"; positional head (+1: 62 % of strong edges)"``; ``special_token_mass`` at
    or above :data:`~.sinks.SINK_SHARE` adds ``"; sink head (71 % of attention on
    special tokens)"`` (:mod:`.flags`).
    """
    from .offsets import POSITIONAL_SHARE
    from .sinks import SINK_SHARE
    from .statistics import clopper_pearson

    hits, total = int(hits), int(total)
    sink = ""
    if special_token_mass is not None and np.isfinite(special_token_mass) and special_token_mass >= SINK_SHARE:
        sink = f"; sink head ({_percent(special_token_mass)} % of attention on special tokens)"
    if total == 0:
        return f"no strong edges (0 on {what})" + sink
    low, high = (float(v[()]) for v in clopper_pearson(np.array(hits), np.array(total), alpha))
    level = round(100 * (1 - alpha))
    text = (f"{hits} of {total} strong edges on {what} ({_percent(hits / total)} %, "
            f"{level} % CI {_percent(low)}-{_percent(high)} %)")
    if top_edges is not None and top_edges > 0:
        text += f"; {_percent(top_edges / total)} % go to one residue" + (f" ({top_target})" if top_target else "")
    if column_share is not None and np.isfinite(column_share) and column_share >= COLUMN_SHARE:
        text += f"; column head ({_percent(column_share)} % to one residue per protein)"
    if positional_share is not None and np.isfinite(positional_share) and positional_share >= POSITIONAL_SHARE:
        offset = f"{int(positional_offset):+d}" if positional_offset else "0"
        text += f"; positional head ({offset}: {_percent(positional_share)} % of strong edges)"
    return text + sink


def head_evidence(accumulator, concentration: TargetConcentration | None, layer: int, head: int, *,
                  what: str = "the property", alpha: float = 0.05) -> str:
    """:func:`format_evidence` of 0-based head (``layer``, ``head``) from a PropertyAccumulator and its concentration.

    This is the text a head-grid tooltip shows.
    """
    hits, total = int(accumulator.hits[layer, head]), int(accumulator.total[layer, head])
    flags = {}
    offsets, sinks = getattr(accumulator, "offsets", None), getattr(accumulator, "sinks", None)
    if offsets is not None:
        flags.update(positional_offset=int(offsets.positional_offset[layer, head]),
                     positional_share=float(offsets.positional_share[layer, head]))
    if sinks is not None:
        flags["special_token_mass"] = float(sinks.mean_mass[layer, head])
    if concentration is None:
        return format_evidence(hits, total, what=what, alpha=alpha, **flags)
    return format_evidence(hits, total, what=what, top_edges=int(concentration.top_edges[layer, head]),
                           top_target=str(concentration.top_target[layer, head]) or None,
                           column_share=float(concentration.column_share[layer, head]), alpha=alpha, **flags)


def evidence_grid(accumulator, *, what: str = "the property", alpha: float = 0.05) -> list[list[str]]:
    """:func:`head_evidence` of every head, ``[layer][head]`` (0-based), e.g. for head-grid tooltips."""
    return [[head_evidence(accumulator, accumulator.concentration, layer, head, what=what, alpha=alpha)
             for head in range(accumulator.n_heads)] for layer in range(accumulator.n_layers)]


def _percent(value: float) -> str:
    """Whole percent from 10 on, one decimal below: 16, 7.5, 28, 0.5."""
    percent = 100 * value
    return f"{percent:.0f}" if percent == 0 or percent >= 10 else f"{percent:.1f}"
