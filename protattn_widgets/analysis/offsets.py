"""Positional heads: strong edges counted by their sequence offset.

A head whose strong edges (attention ``a_ij >= threshold``, query ``i``, key
``j``) mostly sit at one fixed offset ``d = j - i`` (``+1``: the next
residue, ``-1``: the previous one, ``0``: itself) attends by position, not by
what the residues are.  It can still score on a pair property that is common
at that offset (e.g. a secondary-structure pattern), so the tables flag it.

:class:`OffsetCounts` keeps, per head, the strong edges at each signed offset
``-(max_length - 1) .. max_length - 1`` over every protein (all strong edges
between the residues analysed, whatever property is counted): int64
``(n_layers, n_heads, 2 * max_length - 1)``, which adds exactly across
proteins, layers and Dask shards.

Derived, per head:

* ``positional_offset``: the offset holding the most strong edges (ties: the
  smallest ``|d|``, then the negative one).
* ``positional_share``: that offset's strong edges / all strong edges.
* ``positional_head``: ``positional_share >= POSITIONAL_SHARE`` (0.5): most
  strong edges at one offset.
"""

from __future__ import annotations

import numpy as np

__all__ = ["OffsetCounts", "POSITIONAL_SHARE"]

#: A head is flagged as a "positional head" when at least this share of its strong edges sits at one offset.
POSITIONAL_SHARE = 0.5


class OffsetCounts:
    """Strong edges per head and signed sequence offset ``j - i``.

    Parameters
    ----------
    n_layers, n_heads : int
    max_length : int
        Longest protein counted (residues); offsets span ``±(max_length - 1)``.

    Attributes
    ----------
    counts : ndarray of int64, shape=(n_layers, n_heads, 2 * max_length - 1)
        ``counts[l, h, d + max_length - 1]``: strong edges at offset ``d``.
    """

    def __init__(self, n_layers: int, n_heads: int, max_length: int):
        self.n_layers, self.n_heads, self.max_length = int(n_layers), int(n_heads), max(int(max_length), 1)
        self.counts = np.zeros((self.n_layers, self.n_heads, 2 * self.max_length - 1), dtype=np.int64)

    def __repr__(self) -> str:
        return (f"OffsetCounts({self.n_layers}x{self.n_heads}, offsets ±{self.max_length - 1}, "
                f"positional heads={int(self.positional_head.sum())})")

    def add_strong(self, layer: int, strong: np.ndarray) -> None:
        """Add one protein's layer: ``strong`` bool ``(n_heads, L, L)``, query ``i``, key ``j``."""
        n_heads, length = strong.shape[0], strong.shape[-1]
        if length > self.max_length:
            raise ValueError(f"a protein of {length} residues is longer than this counter's {self.max_length}")
        head, i, j = np.nonzero(strong)
        width = self.counts.shape[-1]
        flat = head * width + (j - i + self.max_length - 1)
        self.counts[layer] += np.bincount(flat, minlength=n_heads * width).reshape(n_heads, width)

    def __add__(self, other: "OffsetCounts") -> "OffsetCounts":
        if (other.n_layers, other.n_heads) != (self.n_layers, self.n_heads):
            raise ValueError("can only merge offset counts of the same model")
        merged = OffsetCounts(self.n_layers, self.n_heads, max(self.max_length, other.max_length))
        for part in (self, other):
            pad = merged.max_length - part.max_length
            merged.counts[..., pad:merged.counts.shape[-1] - pad] += part.counts
        return merged

    @property
    def offsets(self) -> np.ndarray:
        """The signed offset of each bin, shape ``(2 * max_length - 1,)``."""
        return np.arange(-(self.max_length - 1), self.max_length)

    @property
    def total(self) -> np.ndarray:
        """Strong edges per head, int64 ``(n_layers, n_heads)``."""
        return self.counts.sum(axis=-1)

    @property
    def positional_offset(self) -> np.ndarray:
        """The offset with the most strong edges, int ``(n_layers, n_heads)`` (0 where a head has none)."""
        # Ties go to the smallest |d|: search the bins ordered 0, -1, +1, -2, +2, ...
        order = np.argsort(np.abs(self.offsets) * 2 + (self.offsets > 0), kind="stable")
        return self.offsets[order][self.counts[..., order].argmax(axis=-1)]

    @property
    def positional_edges(self) -> np.ndarray:
        """Strong edges at :attr:`positional_offset`, int64 ``(n_layers, n_heads)``."""
        return self.counts.max(axis=-1)

    @property
    def positional_share(self) -> np.ndarray:
        """``positional_edges / total`` (NaN where a head has no strong edge)."""
        total = self.total
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, self.positional_edges / np.maximum(total, 1), np.nan)

    @property
    def positional_head(self) -> np.ndarray:
        """``positional_share >= POSITIONAL_SHARE``, bool ``(n_layers, n_heads)``."""
        return np.nan_to_num(self.positional_share, nan=0.0) >= POSITIONAL_SHARE

    def table(self):
        """One row per head in 0-based flat order: ``positional_offset``, ``positional_share``, ``positional_head``."""
        import pandas as pd

        return pd.DataFrame({"positional_offset": self.positional_offset.ravel(),
                             "positional_share": self.positional_share.ravel(),
                             "positional_head": self.positional_head.ravel()})
