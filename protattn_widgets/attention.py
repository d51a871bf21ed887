"""The residue-level attention of one model on one sequence.

:class:`Attention` owns everything a forward pass produced that the views and
statistics need.  Keeping track of indices is where attention tools go wrong,
so the conventions are stated once, here:

* ``values`` has shape ``(n_layers, n_heads, L, L)``: axis 2 is the residue
  that attends (query, "from"), axis 3 the residue attended to (key, "to").
* Residue index ``i`` (0-based) is the ``i``-th residue of ``sequence``, which
  is ``residue_ids[i]`` in the structure's author numbering (e.g. ``"52A"``).
* Special tokens ([CLS], [SEP], <eos>, ...) are removed, using the tokenizer's
  own special-token mask, and so are residues the model read but that have no
  coordinates (unobserved loops of a deposited sequence).  Rows are not
  renormalised: what a residue sent there is kept as ``special_token_mass`` and
  ``unobserved_mass``, so ``values.sum(-1) + special_token_mass + unobserved_mass == 1``.
* Layers and heads are 0-based in Python, like transformers.  Labels people
  read are 1-based "layer-head", as the paper writes them: ``label(0, 3)`` is
  ``"1-4"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from .definitions import DEFAULT_THRESHOLD
from .errors import AttentionMismatchError, LayerHeadIndexError

if TYPE_CHECKING:
    from .strong_pairs import StrongPairs

__all__ = ["Attention", "Edges", "EdgeMode", "EDGE_MODES", "head_label", "check_threshold", "as_float32"]

EdgeMode = Literal["max", "mean", "directed"]
EDGE_MODES: tuple[str, ...] = ("max", "mean", "directed")


_FLOAT16_TO_32 = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)


def as_float32(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """One head (or any array) as float32; float16 through a 65,536-entry table.

    Exactly ``values.astype(np.float32)``, but a float16 head is converted about
    4x faster (numpy's float16 cast is not vectorised on many CPUs, and 10x
    slower still on subnormal values).  Works on read-only arrays and memory
    maps (nothing is written).  ``out``: a float32 array of the same shape to
    write into (for loops over many heads).
    """
    array = np.asarray(values)
    if array.dtype == np.float16:
        return np.take(_FLOAT16_TO_32, array.view(np.uint16), out=out, mode="clip")  # every index is valid
    if out is None:
        return np.asarray(array, dtype=np.float32)
    np.copyto(out, array)
    return out


def head_label(layer: int, head: int) -> str:
    """Return the paper's 1-based ``"layer-head"`` label of a 0-based head."""
    return f"{layer + 1}-{head + 1}"


def check_threshold(threshold: float) -> float:
    """Return ``threshold`` as a float if it is a number in [0, 1], else raise
    :class:`~protattn_widgets.errors.InvalidOptionError` (NaN, text such as
    ``"0.3"`` and booleans included: ``True`` is not a weight)."""
    from .errors import InvalidOptionError

    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise InvalidOptionError(f"threshold must be a number in [0, 1], got {threshold!r} "
                                 f"({type(threshold).__name__})")
    value = float(threshold)
    if not 0.0 <= value <= 1.0:  # False for NaN too
        raise InvalidOptionError(f"threshold must lie in [0, 1] (attention weights do), got {threshold!r}")
    return value


@dataclass(frozen=True)
class Edges:
    """A head's residue pairs with attention at or above a threshold, strongest first (:meth:`Attention.edges`).

    Attributes
    ----------
    pairs : ndarray, shape=(k, 2), int64
        ``(i, j)`` 0-based residue indices; with ``"max"``/``"mean"`` each
        unordered pair once, ``i < j``; with ``"directed"`` ``i`` attends to ``j``.
    weights : ndarray, shape=(k,), float32
        The (combined) attention of each pair, descending.

    ``len(edges)`` is ``k``; ``edges[:10]`` or ``edges[mask]`` select edges (an
    ``Edges`` again); ``edges[0]`` and iterating give ``(i, j, weight)`` tuples.
    """

    pairs: np.ndarray
    weights: np.ndarray

    @property
    def i(self) -> np.ndarray:
        """The first residue of each pair, shape=(k,), int64."""
        return self.pairs[:, 0]

    @property
    def j(self) -> np.ndarray:
        """The second residue of each pair, shape=(k,), int64."""
        return self.pairs[:, 1]

    def __len__(self) -> int:
        return len(self.weights)

    def __getitem__(self, index) -> "Edges | tuple[int, int, float]":
        if isinstance(index, (int, np.integer)):  # one edge: (i, j, weight)
            (i, j), w = self.pairs[index], self.weights[index]
            return int(i), int(j), float(w)
        return Edges(self.pairs[index], self.weights[index])

    def __iter__(self):
        return ((int(i), int(j), float(w)) for (i, j), w in zip(self.pairs, self.weights))


def _check_index(index: int, size: int, what: str) -> int:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise LayerHeadIndexError(f"{what} must be an integer, got {index!r}")
    if not -size <= index < size:
        raise LayerHeadIndexError(
            f"{what} {index} is out of range: the model has {size} {what}s, "
            f"indexed 0..{size - 1} in Python (labels shown to people are 1..{size})"
        )
    return int(index) % size


@dataclass(frozen=True, eq=False)
class Attention:
    """Residue-by-residue attention of every layer and head for one sequence.

    Parameters
    ----------
    values : ndarray, shape=(n_layers, n_heads, L, L), float32 or float16
        ``values[l, h, i, j]``: attention residue ``i`` pays to residue ``j``.
        Stored read-only: it may be shared with the cache.  dtype rule (the
        cache's, :mod:`protattn_widgets.cache`): float32 when the float32
        tensor is at most 64 MiB (``AttentionCache.float16_above``; AntiBERTy
        up to ~500 residues), else float16; when even that exceeds the memory
        budget it is a read-only ``np.memmap`` of a spill file.  :meth:`head`,
        :meth:`combined` and :meth:`edges` return float32 whatever the storage.
        Statistics (``analyze``) count from full float32 precision, not from
        this array.
    sequence : str
        The ``L`` residues, one letter each.
    residue_ids : tuple of str
        Author residue ids (number + insertion code) of the ``L`` residues;
        ``"1".."L"`` for a bare sequence.
    model_name : str
        Name of the model that produced it.
    chain_id, structure_name : str or None
        Where the sequence came from, when it came from a structure.
    model_sequence : str or None
        What the model read, when that is not ``sequence`` itself (e.g. a
        chain's deposited SEQRES sequence with unobserved residues); ``None``
        when the model read ``sequence``.
    model_positions : ndarray of int, shape=(L,), or None
        Index in ``model_sequence`` of each of the ``L`` residues (strictly
        increasing); ``None`` when ``model_sequence`` is ``None``.
    sequence_source : str
        ``"observed"`` (the model read the observed residues), ``"deposited"``
        (the deposited sequence) or ``"user"`` (a sequence the caller gave).
    strong_pairs : StrongPairs or None
        Every pair with attention ``>= strong_pairs.floor`` in exact float32,
        captured during the forward pass (:mod:`protattn_widgets.strong_pairs`);
        the head grid counts from it.  ``None`` when not captured (it is then
        rebuilt from ``values`` when needed).
    special_token_mass : ndarray, shape=(n_layers, n_heads, L), float32, or None
        ``[l, h, i]``: attention residue ``i`` pays to the model's special tokens
        ([CLS], <eos>, ...), from the float32 weights.  ``None`` when not captured.
    unobserved_mass : ndarray, shape=(n_layers, n_heads, L), float32, or None
        ``[l, h, i]``: attention residue ``i`` pays to residues the model read but
        that have no coordinates (0 when every residue is observed).  With
        ``special_token_mass``: ``values.sum(-1) + special_token_mass +
        unobserved_mass == 1`` within the stored precision of ``values``.
    """

    values: np.ndarray
    sequence: str
    residue_ids: tuple[str, ...]
    model_name: str
    chain_id: str | None = None
    structure_name: str | None = None
    model_sequence: str | None = None
    model_positions: np.ndarray | None = None
    sequence_source: str = "observed"
    strong_pairs: StrongPairs | None = None
    special_token_mass: np.ndarray | None = None
    unobserved_mass: np.ndarray | None = None
    _received: np.ndarray | None = field(default=None, init=False, repr=False)
    _entropy: np.ndarray | None = field(default=None, init=False, repr=False)  # head_statistics.attention_entropy
    _rebuilt_pairs: StrongPairs | None = field(default=None, init=False, repr=False)  # strong_pairs.pairs_down_to

    def __post_init__(self) -> None:
        if self.model_sequence is not None and self.model_sequence == self.sequence:
            object.__setattr__(self, "model_sequence", None)  # the model read exactly the residues
        if self.model_sequence is None:
            object.__setattr__(self, "model_positions", None)
        elif self.model_positions is None or len(self.model_positions) != len(self.sequence):
            raise ValueError("model_positions must give the index in model_sequence of each residue")
        shape = self.values.shape
        if self.values.ndim != 4 or shape[2] != shape[3]:
            raise ValueError(f"values must have shape (n_layers, n_heads, L, L), got {shape}")
        for name in ("special_token_mass", "unobserved_mass"):
            mass = getattr(self, name)
            if mass is not None and np.shape(mass) != shape[:3]:
                raise ValueError(f"{name} must have shape (n_layers, n_heads, L) = {shape[:3]}, got {np.shape(mass)}")
        if shape[2] != len(self.sequence) or len(self.residue_ids) != len(self.sequence):
            raise ValueError(
                f"values cover {shape[2]} residues but the sequence has {len(self.sequence)} "
                f"and residue_ids {len(self.residue_ids)}"
            )

    @property
    def n_layers(self) -> int:
        return self.values.shape[0]

    @property
    def n_heads(self) -> int:
        return self.values.shape[1]

    def __len__(self) -> int:
        return len(self.sequence)

    def __repr__(self) -> str:
        source = f"{self.structure_name or ''}:{self.chain_id}" if self.chain_id else "sequence"
        return (
            f"Attention({self.model_name}, {source}, L={len(self)}, "
            f"{self.n_layers} layers x {self.n_heads} heads)"
        )

    def label(self, layer: int, head: int) -> str:
        """The 1-based ``"layer-head"`` label of a (0-based) head, e.g. ``"4-6"``."""
        layer, head = self.check_head(layer, head)
        return head_label(layer, head)

    def check_head(self, layer: int, head: int) -> tuple[int, int]:
        """Return ``(layer, head)`` normalised to non-negative indices, or raise
        :class:`LayerHeadIndexError`."""
        return _check_index(layer, self.n_layers, "layer"), _check_index(head, self.n_heads, "head")

    def check_chain(self, chain) -> None:
        """Raise :class:`AttentionMismatchError` unless this is the attention of ``chain``'s residues."""
        if chain.sequence != self.sequence or tuple(chain.residue_ids) != self.residue_ids:
            raise AttentionMismatchError(
                f"the attention is of a {len(self)}-residue sequence ({self.sequence[:12]}...), not of chain "
                f"{chain.chain_id!r} of {chain.structure_name} ({len(chain)} residues: {chain.sequence[:12]}...); "
                "compute it with model.attention(chain)"
            )

    def head(self, layer: int, head: int) -> np.ndarray:
        """Attention matrix of one head, shape ``(L, L)``, float32 (a read-only view when stored in float32)."""
        layer, head = self.check_head(layer, head)
        matrix = self.values[layer, head]
        if matrix.dtype != np.float32:
            matrix = as_float32(matrix)
            matrix.setflags(write=False)
        return matrix

    def received(self, layer: int, head: int) -> np.ndarray:
        """Attention each residue receives (column sums), shape ``(L,)``, float32."""
        layer, head = self.check_head(layer, head)
        if self._received is not None:
            return self._received[layer, head]
        return self.head(layer, head).sum(axis=0)

    def received_all(self) -> np.ndarray:
        """:meth:`received` of every head, shape ``(n_layers, n_heads, L)``, float32 (read-only).

        Computed once, a head at a time through one reused float32 buffer (the
        same bits as :meth:`received`).  numpy's own float16 -> float32 cast is
        about 10x slower on subnormal values, which are half of a long
        protein's attention weights: 6 s instead of 0.8 s for 660 heads at L = 1,022.
        """
        if self._received is None:
            sums = np.empty(self.values.shape[:3], dtype=np.float32)
            if self.values.dtype == np.float16:
                buffer = np.empty(self.values.shape[2:], dtype=np.float32)
                for layer, head in np.ndindex(*self.values.shape[:2]):
                    as_float32(self.values[layer, head], out=buffer).sum(axis=0, out=sums[layer, head])
            else:
                for layer in range(self.n_layers):
                    np.add.reduce(self.values[layer], axis=1, dtype=np.float32, out=sums[layer])
            sums.setflags(write=False)
            object.__setattr__(self, "_received", sums)
        return self._received

    def combined(self, layer: int, head: int, mode: EdgeMode = "max") -> np.ndarray:
        """The head's matrix with both directions of a pair combined, shape ``(L, L)``.

        ``"max"`` takes ``max(a_ij, a_ji)`` (provis), ``"mean"`` their mean
        (hexviz), ``"directed"`` leaves the matrix as it is.
        """
        matrix = self.head(layer, head)
        if mode == "directed":
            return matrix
        if mode == "max":
            return np.maximum(matrix, matrix.T)
        if mode == "mean":
            return (matrix + matrix.T) * np.float32(0.5)
        from .errors import InvalidOptionError

        raise InvalidOptionError(f"mode must be one of {EDGE_MODES}, got {mode!r}")

    def edges(
        self, layer: int, head: int, threshold: float = DEFAULT_THRESHOLD, mode: EdgeMode = "max"
    ) -> Edges:
        """Residue pairs whose attention is at least ``threshold``, strongest first.

        ``threshold`` must be a number in [0, 1] (``InvalidOptionError`` for
        NaN, text, booleans, negative values).

        Returns
        -------
        Edges
            ``pairs`` (k, 2) int64 and ``weights`` (k,) float32.  With ``"max"``
            and ``"mean"`` each unordered pair appears once, with ``i < j``;
            with ``"directed"`` a pair means ``i`` attends to ``j``.
            Self-attention (``i == j``) is never an edge.
        """
        threshold = check_threshold(threshold)
        weights = self.combined(layer, head, mode)
        keep = weights >= threshold
        if mode == "directed":
            np.fill_diagonal(keep := keep.copy(), False)
        else:
            keep = np.triu(keep, k=1)
        i, j = np.nonzero(keep)
        w = weights[i, j]
        order = np.argsort(-w, kind="stable")
        pairs = np.column_stack([i[order], j[order]]).astype(np.int64).reshape(-1, 2)
        return Edges(pairs, w[order].astype(np.float32))
