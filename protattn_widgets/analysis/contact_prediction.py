"""Contacts predicted from attention, ESM's recipe (Rao et al., 2020).

Rao et al., "Transformer protein language models are unsupervised structure
learners" (ICLR 2021) predict a contact map from attention alone:

1. every head's matrix is symmetrised, ``A + A^T``;
2. then APC-corrected (average product correction, as in coevolution
   methods): ``A_ij - A_i. * A_.j / A..``;
3. the ``n_layers * n_heads`` corrected values of a pair ``(i, j)`` are the
   features of a logistic regression, trained on a few proteins to predict
   contacts (CB-CB < 8 Å, ``|i - j| >= 6``), applied to others.

Choices made here (the paper leaves them to its code):

* **L1 penalty**, as ESM, with ``C=0.15``; features are standardised (mean 0,
  SD 1 over the training pairs) first, because raw APC values are tiny and
  their scale differs between heads and models: unscaled, the same penalty
  keeps only a handful of heads.
* Training pairs are those with ``|i - j| >= min_separation`` (6, as ESM)
  whose residues both have a CB (real or virtual); pairs with a missing
  coordinate are neither training data nor evaluated.
* A fitted predictor is a linear model on the features, so prediction is
  plain numpy (scikit-learn is needed only to fit) and it is saved as JSON:
  every number round-trips exactly, nothing is pickled.

Evaluation (:func:`precision_at`) uses the standard definitions: for each
separation range (short 6-11, medium 12-23, long >= 24), rank that range's
pairs by predicted probability, take the top ``L/k`` (``L`` = sequence
length, ``k`` in 1, 2, 5) and report the fraction that are true contacts.

>>> predictor = ContactPredictor().fit([model.attention(c) for c in train], train)
>>> probabilities = predictor.predict_proba(model.attention(chain))  # (L, L), symmetric
>>> print(predictor.score(model.attention(chain), chain))
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION, SEPARATION_RANGES
from ..errors import AnalysisInputError, AttentionMismatchError, InvalidOptionError, PredictorNotFittedError
from ..jsonable import finite_or_none

__all__ = [
    "SEPARATION_RANGES", "TOP_FRACTIONS", "apc", "symmetrize", "attention_features",
    "ContactPredictor", "ContactPrecision", "precision_at",
]

#: ``k`` of "top L/k": precision at L, L/2 and L/5.
TOP_FRACTIONS: tuple[int, ...] = (1, 2, 5)

_FORMAT = "protattn-contact-predictor/1"


def symmetrize(matrix: np.ndarray) -> np.ndarray:
    """``A + A^T`` over the last two axes, shape ``(..., L, L)``."""
    matrix = np.asarray(matrix)
    return matrix + np.swapaxes(matrix, -1, -2)


def apc(matrix: np.ndarray) -> np.ndarray:
    """Average product correction over the last two axes.

    ``apc(A)_ij = A_ij - A_i. * A_.j / A..`` where ``A_i.`` is row ``i``'s sum,
    ``A_.j`` column ``j``'s sum and ``A..`` the total.

    Parameters
    ----------
    matrix : ndarray, shape=(..., L, L)

    Returns
    -------
    ndarray, shape=(..., L, L), float64
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    row = matrix.sum(axis=-1, keepdims=True)
    column = matrix.sum(axis=-2, keepdims=True)
    total = matrix.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(total != 0, row * column / total, 0.0)
    return matrix - expected


def _values(attention) -> np.ndarray:
    """The ``(n_layers, n_heads, L, L)`` array of an :class:`Attention` or of an array."""
    values = np.asarray(getattr(attention, "values", attention))
    if values.ndim != 4 or values.shape[2] != values.shape[3]:
        raise AnalysisInputError(f"attention must have shape (n_layers, n_heads, L, L), got {values.shape}")
    return values


def attention_features(attention, *, min_separation: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrised, APC-corrected attention of every head at each residue pair.

    Parameters
    ----------
    attention : Attention or ndarray, shape=(n_layers, n_heads, L, L)
    min_separation : int
        Keep pairs with ``j - i >= min_separation`` (1: every pair ``i < j``).

    Returns
    -------
    features : ndarray, shape=(n_pairs, n_layers * n_heads), float64
        Column ``layer * n_heads + head`` (0-based) is that head.
    pairs : ndarray of int64, shape=(n_pairs, 2)
        ``(i, j)`` residue indices of each row, ``i < j``, in row-major order.
    """
    values = _values(attention)
    n_layers, n_heads, length, _ = values.shape
    corrected = apc(symmetrize(values.reshape(n_layers * n_heads, length, length)))
    i, j = np.triu_indices(length, k=max(int(min_separation), 1))
    return np.ascontiguousarray(corrected[:, i, j].T), np.column_stack([i, j]).astype(np.int64)


def _contact_targets(chain, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Contact map (any separation) and which pairs have both CBs, each ``(L, L)`` bool."""
    return chain.contact_map(cutoff, 0), chain.pair_mask("cb")


def _check_pair(attention, chain) -> None:
    if hasattr(attention, "check_chain"):
        attention.check_chain(chain)
        return
    length = _values(attention).shape[-1]  # a bare array: only its length can be checked
    if length != len(chain):
        raise AttentionMismatchError(
            f"attention covers a {length}-residue sequence that is not chain "
            f"{getattr(chain, 'chain_id', '?')}'s ({len(chain)} residues); pass attention of the same sequence"
        )


class ContactPredictor:
    """Logistic regression from all heads' APC-corrected attention to contacts.

    Parameters
    ----------
    penalty : {"l1", "l2"}
        Regularisation; ``"l1"`` as ESM.
    C : float
        Inverse regularisation strength (scikit-learn's ``C``).
    min_separation : int
        Train on pairs with ``|i - j|`` at least this (6 as ESM; 24 trains a
        long-range specialist).  Closer pairs get probability 0.
    cutoff : float
        Contact = CB-CB distance below this, in Å.
    max_iter : int
        Solver iterations.

    Attributes (after :meth:`fit` or :meth:`load`)
    ----------------------------------------------
    coef_ : ndarray, shape=(n_layers, n_heads)
        Weight of each head on standardised features.
    intercept_ : float
    feature_mean_, feature_scale_ : ndarray, shape=(n_layers * n_heads,)
        Standardisation of the features.
    model_name : str or None
        Model whose attention it was trained on (checked at prediction).
    training_ : dict
        ``n_proteins``, ``n_pairs``, ``contact_rate`` of the training set.
    """

    def __init__(self, *, penalty: str = "l1", C: float = 0.15, min_separation: int = CONTACT_MIN_SEPARATION,
                 cutoff: float = CONTACT_CUTOFF, max_iter: int = 1000):
        if penalty not in ("l1", "l2"):
            raise InvalidOptionError(f"penalty must be 'l1' or 'l2', got {penalty!r}")
        self.penalty = penalty
        self.C = float(C)
        self.min_separation = int(min_separation)
        self.cutoff = float(cutoff)
        self.max_iter = int(max_iter)
        self.coef_: np.ndarray | None = None
        self.intercept_ = 0.0
        self.feature_mean_: np.ndarray | None = None
        self.feature_scale_: np.ndarray | None = None
        self.model_name: str | None = None
        self.training_: dict = {}

    def __repr__(self) -> str:
        state = (f"fitted on {self.training_.get('n_proteins')} proteins, {self.n_layers}x{self.n_heads} heads"
                 if self.fitted else "not fitted")
        return (f"ContactPredictor(penalty={self.penalty!r}, C={self.C}, min_separation={self.min_separation}, "
                f"cutoff={self.cutoff}; {state})")

    @property
    def fitted(self) -> bool:
        return self.coef_ is not None

    @property
    def n_layers(self) -> int:
        return self._require_fitted().shape[0]

    @property
    def n_heads(self) -> int:
        return self._require_fitted().shape[1]

    def _require_fitted(self) -> np.ndarray:
        if self.coef_ is None:
            raise PredictorNotFittedError("this ContactPredictor is not fitted yet: call fit() or ContactPredictor.load()")
        return self.coef_

    def fit(self, attentions: Sequence, chains: Sequence) -> "ContactPredictor":
        """Train on proteins with known structure.

        Parameters
        ----------
        attentions : sequence of Attention or ndarray (n_layers, n_heads, L, L)
        chains : sequence of Chain
            The structure of each attention's sequence (same residues).
        """
        from sklearn.linear_model import LogisticRegression

        if len(attentions) != len(chains) or not len(chains):
            raise AttentionMismatchError(f"need one chain per attention and at least one of each, got "
                             f"{len(attentions)} attentions and {len(chains)} chains")
        shapes = {_values(a).shape[:2] for a in attentions}
        if len(shapes) != 1:
            raise AttentionMismatchError(f"all attentions must come from one model, got (layers, heads) {sorted(shapes)}")
        rows, targets = [], []
        for attention, chain in zip(attentions, chains):
            _check_pair(attention, chain)
            features, pairs = attention_features(attention, min_separation=self.min_separation)
            contacts, known = _contact_targets(chain, self.cutoff)
            keep = known[pairs[:, 0], pairs[:, 1]]
            rows.append(features[keep])
            targets.append(contacts[pairs[keep, 0], pairs[keep, 1]])
        x, y = np.concatenate(rows), np.concatenate(targets)
        if y.all() or not y.any():
            raise AnalysisInputError("the training pairs must include both contacts and non-contacts")
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0  # a constant feature carries nothing; leave it at 0
        regression = LogisticRegression(solver="liblinear", C=self.C, max_iter=self.max_iter, random_state=0,
                                        **_penalty_arguments(self.penalty))
        regression.fit((x - mean) / scale, y)
        n_layers, n_heads = shapes.pop()
        self.coef_ = regression.coef_[0].reshape(n_layers, n_heads).astype(np.float64)
        self.intercept_ = float(regression.intercept_[0])
        self.feature_mean_, self.feature_scale_ = mean, scale
        names = {getattr(a, "model_name", None) for a in attentions}
        self.model_name = names.pop() if len(names) == 1 else None
        self.training_ = {"n_proteins": len(chains), "n_pairs": int(len(y)), "contact_rate": float(y.mean())}
        return self

    def predict_proba(self, attention) -> np.ndarray:
        """Contact probability of every residue pair.

        Parameters
        ----------
        attention : Attention or ndarray, shape=(n_layers, n_heads, L, L)
            From the model the predictor was trained on.

        Returns
        -------
        ndarray, shape=(L, L), float64
            Symmetric; 0 on pairs closer than ``min_separation`` (not predicted),
            the diagonal included.  Ready to overlay on a contact map.
        """
        coef = self._require_fitted()
        values = _values(attention)
        if values.shape[:2] != coef.shape:
            raise AttentionMismatchError(f"the predictor was trained on {coef.shape[0]} layers x {coef.shape[1]} heads, "
                             f"this attention has {values.shape[0]} x {values.shape[1]}")
        name = getattr(attention, "model_name", None)
        if name is not None and self.model_name is not None and name != self.model_name:
            raise AttentionMismatchError(f"the predictor was trained on {self.model_name}'s attention, not {name}'s")
        features, pairs = attention_features(values, min_separation=self.min_separation)
        logits = ((features - self.feature_mean_) / self.feature_scale_) @ coef.ravel() + self.intercept_
        length = values.shape[-1]
        probabilities = np.zeros((length, length))
        probabilities[pairs[:, 0], pairs[:, 1]] = 1.0 / (1.0 + np.exp(-logits))
        return probabilities + probabilities.T

    def top_contacts(self, attention, k: int | None = None) -> np.ndarray:
        """The ``k`` most likely contacts (default ``L``), as a symmetric bool map of shape ``(L, L)``.

        What the explorer overlays: ``explorer.show_predicted_contacts(predictor)``.
        """
        probabilities = self.predict_proba(attention)
        length = probabilities.shape[0]
        k = length if k is None else int(k)
        i, j = np.triu_indices(length, k=self.min_separation)
        order = np.argsort(-probabilities[i, j], kind="stable")[:max(k, 0)]
        chosen = np.zeros((length, length), dtype=bool)
        chosen[i[order], j[order]] = True
        return chosen | chosen.T

    def score(self, attention, chain, *, ranges: dict[str, tuple[int, int | None]] = SEPARATION_RANGES,
              fractions: Sequence[int] = TOP_FRACTIONS) -> "ContactPrecision":
        """Precision of the predicted contacts of one protein (see :func:`precision_at`)."""
        _check_pair(attention, chain)
        contacts, known = _contact_targets(chain, self.cutoff)
        return precision_at(self.predict_proba(attention), contacts, known, ranges=ranges, fractions=fractions)

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict:
        """Everything the fitted predictor is, as plain JSON types."""
        coef = self._require_fitted()
        return {
            "format": _FORMAT,
            "model_name": self.model_name,
            "params": {"penalty": self.penalty, "C": self.C, "min_separation": self.min_separation,
                       "cutoff": self.cutoff, "max_iter": self.max_iter},
            "n_layers": int(coef.shape[0]), "n_heads": int(coef.shape[1]),
            "coef": coef.tolist(),
            "intercept": self.intercept_,
            "feature_mean": self.feature_mean_.tolist(),
            "feature_scale": self.feature_scale_.tolist(),
            "training": self.training_,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ContactPredictor":
        if data.get("format") != _FORMAT:
            raise AnalysisInputError(f"not a saved ContactPredictor (format {data.get('format')!r}, expected {_FORMAT!r})")
        predictor = cls(**data["params"])
        shape = (int(data["n_layers"]), int(data["n_heads"]))
        predictor.coef_ = np.asarray(data["coef"], dtype=np.float64).reshape(shape)
        predictor.intercept_ = float(data["intercept"])
        predictor.feature_mean_ = np.asarray(data["feature_mean"], dtype=np.float64)
        predictor.feature_scale_ = np.asarray(data["feature_scale"], dtype=np.float64)
        predictor.model_name = data.get("model_name")
        predictor.training_ = dict(data.get("training", {}))
        return predictor

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted predictor as JSON (floats written exactly); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ContactPredictor":
        """Read a predictor written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _penalty_arguments(penalty: str) -> dict:
    """scikit-learn >= 1.8 spells the penalty ``l1_ratio`` (``penalty=`` is deprecated)."""
    import sklearn

    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        return {"l1_ratio": 1.0 if penalty == "l1" else 0.0}
    return {"penalty": penalty}


# ---------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class ContactPrecision:
    """Precision of predicted contacts at top L/k, per separation range.

    Attributes
    ----------
    values : ndarray, shape=(n_ranges, n_fractions)
        ``values[r, f]``: precision of the top ``L / fractions[f]`` pairs of
        range ``ranges[r]``; NaN where the range has no evaluable pair.  For a
        table averaged over proteins, the mean of the proteins' precisions.
    background : ndarray, shape=(n_ranges,)
        Share of the range's evaluable pairs that are contacts (the precision
        of a random ranking).
    n_pairs : ndarray of int, shape=(n_ranges,)
        Evaluable pairs per range (summed over proteins).
    ranges : tuple of str
    separations : tuple of (int, int or None)
        Inclusive ``|i - j|`` bounds of each range.
    fractions : tuple of int
        The ``k`` of each column.
    n_proteins : int
    """

    values: np.ndarray
    background: np.ndarray
    n_pairs: np.ndarray
    ranges: tuple[str, ...]
    separations: tuple[tuple[int, int | None], ...]
    fractions: tuple[int, ...]
    n_proteins: int = 1

    @property
    def columns(self) -> tuple[str, ...]:
        """Column labels: ``"L"``, ``"L/2"``, ``"L/5"``."""
        return tuple("L" if k == 1 else f"L/{k}" for k in self.fractions)

    @property
    def long_range(self) -> dict[str, float]:
        """ESM's headline metric: long-range (``|i - j| >= 24``) precision at L and at L/5,
        ``{"L": p, "L/5": p}`` (NaN where not computed), to read against ESM's published table."""
        if "long" not in self.ranges:
            return {"L": float("nan"), "L/5": float("nan")}
        return {column: (self["long", column] if column in self.columns else float("nan")) for column in ("L", "L/5")}

    def __getitem__(self, key: tuple[str, str | int]) -> float:
        """``table["long", "L/5"]`` (or ``table["long", 5]``)."""
        range_name, column = key
        f = self.fractions.index(column) if isinstance(column, int) else self.columns.index(column)
        return float(self.values[self.ranges.index(range_name), f])

    @classmethod
    def mean(cls, tables: Sequence["ContactPrecision"]) -> "ContactPrecision":
        """Average over proteins, each protein weighing the same (as ESM reports it)."""
        if not tables:
            raise AnalysisInputError("need at least one table to average")
        first = tables[0]
        if any((t.ranges, t.separations, t.fractions) != (first.ranges, first.separations, first.fractions)
               for t in tables):
            raise AnalysisInputError("can only average tables with the same ranges and fractions")
        with warnings.catch_warnings():  # "mean of empty slice" where no protein has the range
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.nanmean(np.stack([t.values for t in tables]), axis=0)
            background = np.nanmean(np.stack([t.background for t in tables]), axis=0)
        return cls(values, background, np.sum([t.n_pairs for t in tables], axis=0), first.ranges,
                   first.separations, first.fractions, sum(t.n_proteins for t in tables))

    def to_dict(self) -> dict:
        """``{range: {"L": p, "L/2": p, "L/5": p, "background": b, "n_pairs": n}}`` (NaN -> None)."""
        out = {}
        for r, name in enumerate(self.ranges):
            row = {c: finite_or_none(self.values[r, f]) for f, c in enumerate(self.columns)}
            out[name] = {**row, "background": finite_or_none(self.background[r]), "n_pairs": int(self.n_pairs[r])}
        return out

    def to_frame(self):
        """The table as a pandas DataFrame (ranges as rows); needs pandas."""
        import pandas as pd

        return pd.DataFrame.from_dict(self.to_dict(), orient="index")

    def __str__(self) -> str:
        header = f"{'range':<16}" + "".join(f"{c:>7}" for c in self.columns) + f"{'backgr.':>9}"
        lines = [header]
        for r, name in enumerate(self.ranges):
            low, high = self.separations[r]
            label = f"{name} ({low}-{high})" if high is not None else f"{name} (>={low})"
            cells = "".join(f"{v:>7.3f}" for v in self.values[r])
            lines.append(f"{label:<16}{cells}{self.background[r]:>9.3f}")
        lines.append(f"({self.n_proteins} protein{'s' if self.n_proteins != 1 else ''})")
        long = self.long_range
        if np.isfinite(long["L"]) or np.isfinite(long["L/5"]):
            lines.append(f"long-range P@L {long['L']:.3f}, P@L/5 {long['L/5']:.3f} (ESM's metric)")
        return "\n".join(lines)


def precision_at(probabilities: np.ndarray, contacts: np.ndarray, mask: np.ndarray | None = None, *,
                 ranges: dict[str, tuple[int, int | None]] = SEPARATION_RANGES,
                 fractions: Sequence[int] = TOP_FRACTIONS, length: int | None = None) -> ContactPrecision:
    """Precision at top L/k of predicted contacts, per separation range, for one protein.

    For each range, the pairs ``i < j`` with ``low <= j - i <= high`` that
    ``mask`` keeps are ranked by ``probabilities`` (ties: lower ``i``, then
    lower ``j``, first); precision at L/k is the share of true contacts among
    the top ``max(1, L // k)``.  If the range has fewer evaluable pairs than
    that, all of them are taken (and the share is over them).

    Parameters
    ----------
    probabilities : ndarray, shape=(L, L)
        Predicted contact scores; only the upper triangle is read.
    contacts : ndarray of bool, shape=(L, L)
        True contacts.
    mask : ndarray of bool, shape=(L, L), optional
        Pairs that can be evaluated (e.g. both residues have coordinates);
        default all.
    ranges : dict of str -> (int, int or None)
        Inclusive separation bounds per range.
    fractions : sequence of int
        The ``k`` of each L/k.
    length : int, optional
        The ``L`` of L/k; default the matrix size.

    Returns
    -------
    ContactPrecision
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    contacts = np.asarray(contacts, dtype=bool)
    size = probabilities.shape[0]
    if probabilities.shape != (size, size) or contacts.shape != (size, size):
        raise AttentionMismatchError(f"probabilities and contacts must both be (L, L), got {probabilities.shape} "
                         f"and {contacts.shape}")
    known = np.ones((size, size), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if known.shape != (size, size):
        raise AttentionMismatchError(f"mask must be ({size}, {size}), got {known.shape}")
    length = size if length is None else int(length)
    fractions = tuple(int(k) for k in fractions)
    i, j = np.triu_indices(size, k=1)
    separation = j - i
    values = np.full((len(ranges), len(fractions)), np.nan)
    background = np.full(len(ranges), np.nan)
    n_pairs = np.zeros(len(ranges), dtype=np.int64)
    for r, (low, high) in enumerate(ranges.values()):
        keep = (separation >= low) & (separation <= (high if high is not None else size))
        keep &= known[i, j]
        if not keep.any():
            continue
        scores, truth = probabilities[i[keep], j[keep]], contacts[i[keep], j[keep]]
        ranked = truth[np.argsort(-scores, kind="stable")]
        hits = np.cumsum(ranked)
        for f, k in enumerate(fractions):
            top = min(max(1, length // k), len(ranked))
            values[r, f] = hits[top - 1] / top
        background[r] = truth.mean()
        n_pairs[r] = len(truth)
    return ContactPrecision(values, background, n_pairs, tuple(ranges), tuple(ranges.values()), fractions)
