"""Each protein's share of a dataset statistic: per protein, per head counts.

The dataset counts of a feature (:class:`~.accumulator.PropertyAccumulator`
``hits`` and ``total``, ``(n_layers, n_heads)`` int64) are sums over proteins.
:class:`ProteinCounts` keeps the addends: for every protein that supplied the
feature, its own ``hits`` and ``total`` per head, so a reader can ask which
proteins make a head look the way it does.

Axes: ``(proteins, n_layers, n_heads)``, int32 (one protein's strong edges in
one head are at most ``L * L``, far below 2**31), in the order the proteins
were given to :func:`~.engine.analyze` (also on a Dask cluster and with
batching, which count them in another order).  Summing over axis 0 gives
the dataset counts exactly.

Per protein and head it also keeps the protein's most-attended residue among
the strong edges the property counts (``top_residue``, the residue's label
without the protein id, e.g. ``"MET 50"``) and the strong edges it receives
(``top_residue_edges``): where that is most of the protein's edges, the head
is a column head *in this protein* (:mod:`.concentration`).

Memory: ``8 * proteins * n_layers * n_heads`` bytes per feature, plus 8 per
property for the top residue: 1,000 proteins at ESM-2 650M (33 x 20) take
5.3 MB a feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas

__all__ = ["ProteinCounts", "parse_head"]

_COLUMNS = ["protein", "label", "layer", "head", "layer_index", "head_index", "hits", "total", "share",
            "top_residue", "top_residue_edges"]


def parse_head(head, n_layers: int, n_heads: int) -> tuple[int, int]:
    """0-based ``(layer, head)`` of ``"12-4"`` (the 1-based label) or of a 0-based pair ``(11, 3)``."""
    from ..errors import InvalidOptionError

    if isinstance(head, str):
        try:
            layer, index = (int(part) - 1 for part in head.split("-"))
        except ValueError:
            raise InvalidOptionError(f"a head label is 1-based 'layer-head' such as '2-7', got {head!r}") from None
    else:
        try:
            layer, index = (int(part) for part in head)
        except (TypeError, ValueError):
            raise InvalidOptionError(f"a head is a label '2-7' or a 0-based pair (1, 6), got {head!r}") from None
    if not (0 <= layer < n_layers and 0 <= index < n_heads):
        raise InvalidOptionError(f"head {head!r} is outside this model's {n_layers} layers x {n_heads} heads")
    return layer, index


class ProteinCounts:
    """One feature's counts per protein and head (see the module docstring).

    Attributes
    ----------
    proteins : list of str
        Protein ids, in input order.
    hits, total : ndarray of int32, shape=(proteins, n_layers, n_heads)
    top_edges : ndarray of int32, shape=(proteins, n_layers, n_heads)
        Strong edges into the protein's most-attended residue (0: none known).
    top_index : ndarray of int32, shape=(proteins, n_layers, n_heads)
        0-based index of that residue among the protein's analysed residues (-1: none).
    residues : list of list of str
        Per protein, its residue labels (``"MET 50"``; empty where not known).
    """

    def __init__(self, n_layers: int, n_heads: int):
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        self._rows: list[tuple] = []  # (position, id, hits, total, top_edges, top_index, residues)
        self._stacked: tuple | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"ProteinCounts({len(self)} proteins, {self.n_layers}x{self.n_heads} heads)"

    def add(self, protein: str, hits: np.ndarray, total: np.ndarray, *, position: int | None = None,
            top_edges: np.ndarray | None = None, top_index: np.ndarray | None = None,
            residues: Sequence[str] | None = None) -> None:
        """Add one protein's ``(n_layers, n_heads)`` counts (``position``: its place in the input, default last)."""
        shape = (self.n_layers, self.n_heads)
        rows = [np.asarray(a, dtype=np.int32) for a in (hits, total)]
        rows.append(np.zeros(shape, np.int32) if top_edges is None else np.asarray(top_edges, dtype=np.int32))
        rows.append(np.full(shape, -1, np.int32) if top_index is None else np.asarray(top_index, dtype=np.int32))
        if any(r.shape != shape for r in rows):
            raise ValueError(f"per-protein counts must have shape {shape}")
        position = len(self._rows) if position is None else int(position)
        self._rows.append((position, str(protein), *rows, list(residues or ())))
        self._stacked = None

    def __add__(self, other: "ProteinCounts") -> "ProteinCounts":
        merged = ProteinCounts(self.n_layers, self.n_heads)
        merged._rows = self._rows + other._rows
        return merged

    def remap_positions(self, mapping) -> None:
        """Replace every protein's input position ``p`` by ``mapping(p)`` (a Dask shard's local -> global)."""
        self._rows = [(mapping(row[0]), *row[1:]) for row in self._rows]
        self._stacked = None

    # ------------------------------------------------------------------ arrays

    def _stack(self) -> tuple:
        if self._stacked is None:
            rows = sorted(self._rows, key=lambda row: row[0])
            shape = (0, self.n_layers, self.n_heads)
            arrays = [np.stack([row[k] for row in rows]) if rows else np.zeros(shape, np.int32) for k in (2, 3, 4, 5)]
            self._stacked = ([row[1] for row in rows], *arrays, [row[6] for row in rows], [row[0] for row in rows])
        return self._stacked

    @property
    def proteins(self) -> list[str]:
        return list(self._stack()[0])

    @property
    def hits(self) -> np.ndarray:
        return self._stack()[1]

    @property
    def total(self) -> np.ndarray:
        return self._stack()[2]

    @property
    def top_edges(self) -> np.ndarray:
        return self._stack()[3]

    @property
    def top_index(self) -> np.ndarray:
        return self._stack()[4]

    @property
    def residues(self) -> list[list[str]]:
        return self._stack()[5]

    def top_residue(self) -> np.ndarray:
        """Label of each protein's most-attended residue per head, str (object) ``(proteins, n_layers, n_heads)``."""
        index, residues = self.top_index, self.residues
        out = np.full(index.shape, "", dtype=object)
        for p, names in enumerate(residues):
            if names:
                known = index[p] >= 0
                out[p][known] = np.asarray(names, dtype=object)[index[p][known]]
        return out

    # ------------------------------------------------------------------ tables

    def frame(self) -> "pandas.DataFrame":
        """One row per (protein, head), proteins in input order, heads in 0-based flat order.

        Columns: ``protein``, ``label`` (1-based ``"layer-head"``), ``layer``,
        ``head`` (1-based), ``layer_index``, ``head_index`` (0-based),
        ``hits``, ``total`` (strong edges), ``share`` (``hits / total``, NaN
        without strong edges), ``top_residue`` (label of the protein's
        most-attended residue in that head, ``""`` if none),
        ``top_residue_edges`` (its strong edges).
        """
        import pandas as pd

        from ..attention import head_label

        proteins, hits, total, top_edges = self._stack()[:4]
        n_proteins, n_cells = len(proteins), self.n_layers * self.n_heads
        layer, head = np.divmod(np.arange(n_cells), self.n_heads)
        labels = np.array([head_label(int(a), int(b)) for a, b in zip(layer, head)], dtype=object)
        flat_hits, flat_total = hits.reshape(-1).astype(np.int64), total.reshape(-1).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(flat_total > 0, flat_hits / np.maximum(flat_total, 1), np.nan)
        return pd.DataFrame({
            "protein": np.repeat(np.asarray(proteins, dtype=object), n_cells),
            "label": np.tile(labels, n_proteins),
            "layer": np.tile(layer + 1, n_proteins), "head": np.tile(head + 1, n_proteins),
            "layer_index": np.tile(layer, n_proteins), "head_index": np.tile(head, n_proteins),
            "hits": flat_hits, "total": flat_total, "share": share,
            "top_residue": self.top_residue().reshape(-1).astype(str) if n_proteins else np.array([], dtype=str),
            "top_residue_edges": top_edges.reshape(-1).astype(np.int64),
        }, columns=_COLUMNS)

    def ranking(self, head, k: int | None = None) -> "pandas.DataFrame":
        """The proteins behind one head, most hits first.

        Parameters
        ----------
        head : str or (int, int)
            The 1-based label ``"2-7"`` or the 0-based ``(layer, head)``.
        k : int, optional
            How many rows (default all proteins).

        Returns
        -------
        pandas.DataFrame
            Columns ``rank`` (1-based), ``protein``, ``hits``, ``total``,
            ``share``, ``hits_share`` (this protein's part of the head's
            dataset hits), ``top_residue``, ``top_residue_edges``,
            ``top_residue_share`` (of the protein's strong edges in the head);
            ties in hits broken by share, then input order.
        """
        import pandas as pd

        layer, index = parse_head(head, self.n_layers, self.n_heads)
        proteins, hits, total, top_edges = self._stack()[:4]
        h, t, e = (a[:, layer, index].astype(np.int64) for a in (hits, total, top_edges))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(t > 0, h / np.maximum(t, 1), np.nan)
            top_share = np.where(t > 0, e / np.maximum(t, 1), np.nan)
            hits_share = h / h.sum() if h.sum() else np.full(h.shape, np.nan)
        table = pd.DataFrame({
            "protein": proteins, "hits": h, "total": t, "share": share, "hits_share": hits_share,
            "top_residue": self.top_residue()[:, layer, index].astype(str) if proteins else [],
            "top_residue_edges": e, "top_residue_share": top_share})
        order = np.lexsort((np.arange(len(h)), -np.nan_to_num(share, nan=-1.0), -h))
        table = table.iloc[order].reset_index(drop=True)
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        return table if k is None else table.head(k)

    # ------------------------------------------------------------------ saving

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Plain arrays for ``np.savez`` (keys start with ``prefix``; no pickle)."""
        proteins, hits, total, top_edges, top_index, residues, positions = self._stack()
        lengths = np.array([len(r) for r in residues], dtype=np.int64)
        flat = [name for names in residues for name in names]
        return {f"{prefix}proteins": np.array(proteins, dtype=str), f"{prefix}hits": hits, f"{prefix}total": total,
                f"{prefix}top_edges": top_edges, f"{prefix}top_index": top_index,
                f"{prefix}residue_counts": lengths, f"{prefix}residues": np.array(flat, dtype=str)}

    @classmethod
    def from_arrays(cls, arrays, prefix: str, n_layers: int, n_heads: int) -> "ProteinCounts":
        counts = cls(n_layers, n_heads)
        names = [str(n) for n in arrays[f"{prefix}residues"]]
        ends = np.cumsum(arrays[f"{prefix}residue_counts"])
        starts = ends - arrays[f"{prefix}residue_counts"]
        for p, protein in enumerate(arrays[f"{prefix}proteins"]):
            counts.add(str(protein), arrays[f"{prefix}hits"][p], arrays[f"{prefix}total"][p], position=p,
                       top_edges=arrays[f"{prefix}top_edges"][p], top_index=arrays[f"{prefix}top_index"][p],
                       residues=names[starts[p]:ends[p]])
        return counts
