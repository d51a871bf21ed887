"""Probing classifiers per layer, as the paper's probing section (Vig et al., 2020, Sec. 5).

A probe is a logistic regression (scikit-learn, features standardised, L2
penalty, ``C=0.01`` by default: hundreds of embedding features against a few
thousand residues overfit, and converge slowly, with weaker penalties) trained on one layer's representation to predict a property, on
some proteins, and scored on *other* proteins.  Two representations:

* **embedding** probes read the hidden state a layer outputs, per residue
  (:func:`layer_embeddings`); for a pair ``(i, j)`` the features are
  ``[h_i * h_j, |h_i - h_j|]`` (symmetric in ``i`` and ``j``);
* **attention** probes read the layer's heads: for a pair, ``a_ij`` and
  ``a_ji`` of every head; for a residue, the attention it receives from the
  whole sequence in every head (column sums).

Tasks: secondary structure (per residue, 3 classes: :data:`SS3_CLASSES`),
binding sites (per residue, binary) and contacts (per pair, binary; CB-CB
< 8 Å, ``|i - j| >= 6``).  Layers are 0-based in the arrays returned, like
attention; figures label them 1-based.

>>> result = residue_probe(model, train, test, task="secondary_structure")
>>> result.metrics["accuracy"], result.baseline["accuracy"]   # (n_layers,), majority class
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION

__all__ = [
    "SS3_CLASSES", "ss3_labels", "layer_embeddings", "attention_received", "pair_embedding_features",
    "pair_attention_features", "contact_pairs", "ProbeResult", "probe_layers", "residue_probe", "contact_probe",
]

#: The three secondary-structure classes of :func:`ss3_labels`, in label order.
SS3_CLASSES: tuple[str, ...] = ("helix", "strand", "other")
_SS3 = {"H": 0, "G": 0, "I": 0, "E": 1, "B": 1}


def ss3_labels(ss: str) -> np.ndarray:
    """Per-residue 3-class labels of a secondary-structure string.

    ``H``, ``G``, ``I`` (helices) -> 0 "helix"; ``E``, ``B`` (strand, bridge)
    -> 1 "strand"; anything else (``-``, ``T``, ``S``, blank) -> 2 "other".
    Reads both DSSP codes and the HELIX/SHEET-derived strings of
    ``pdb_header_ss.jsonl``.

    Returns
    -------
    ndarray of int64, shape=(len(ss),)
    """
    return np.array([_SS3.get(code, 2) for code in ss], dtype=np.int64)


def layer_embeddings(model, sequence: str, *, use_cache: bool = True) -> np.ndarray:
    """The hidden state each layer outputs, per residue: ``model.hidden_states(sequence)``.

    Returns
    -------
    ndarray, shape=(n_layers, L, hidden_size), float32
        ``[l]`` is the output of layer ``l`` (0-based; the input embeddings
        are not included); special tokens removed as for attention; cached in
        the model's cache.
    """
    return model.hidden_states(sequence, use_cache=use_cache)


def attention_received(attention) -> np.ndarray:
    """Attention each residue receives in every head: per-residue attention features.

    Parameters
    ----------
    attention : Attention or ndarray, shape=(n_layers, n_heads, L, L)

    Returns
    -------
    ndarray, shape=(n_layers, L, n_heads)
    """
    values = np.asarray(getattr(attention, "values", attention))
    return np.swapaxes(values.sum(axis=2), 1, 2)


def pair_embedding_features(embeddings: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """``[h_i * h_j, |h_i - h_j|]`` of each pair, per layer.

    Parameters
    ----------
    embeddings : ndarray, shape=(n_layers, L, d)
    pairs : ndarray of int, shape=(n_pairs, 2)

    Returns
    -------
    ndarray, shape=(n_layers, n_pairs, 2 * d), float32
    """
    left, right = embeddings[:, pairs[:, 0]], embeddings[:, pairs[:, 1]]
    return np.concatenate([left * right, np.abs(left - right)], axis=-1)


def pair_attention_features(attention, pairs: np.ndarray) -> np.ndarray:
    """``a_ij`` and ``a_ji`` of every head of each layer, per pair.

    Returns
    -------
    ndarray, shape=(n_layers, n_pairs, 2 * n_heads)
        Heads' ``a_ij`` first, then their ``a_ji``.
    """
    values = np.asarray(getattr(attention, "values", attention))
    i, j = pairs[:, 0], pairs[:, 1]
    forward = np.swapaxes(values[:, :, i, j], 1, 2)
    backward = np.swapaxes(values[:, :, j, i], 1, 2)
    return np.concatenate([forward, backward], axis=-1)


def contact_pairs(chain, *, min_separation: int = CONTACT_MIN_SEPARATION, cutoff: float = CONTACT_CUTOFF, max_pairs: int | None = None,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Residue pairs ``i < j`` of a chain to probe for contacts, and their labels.

    Pairs with a residue without CB are left out.  With ``max_pairs``, a
    random subset (seeded) keeps the data small; the contact rate is kept as
    it is (no re-balancing).

    Returns
    -------
    pairs : ndarray of int64, shape=(n, 2)
    contacts : ndarray of bool, shape=(n,)
    """
    has_cb = chain.coordinate_mask("cb")
    i, j = np.triu_indices(len(chain), k=max(int(min_separation), 1))
    keep = has_cb[i] & has_cb[j]
    pairs = np.column_stack([i[keep], j[keep]]).astype(np.int64)
    if max_pairs is not None and len(pairs) > max_pairs:
        chosen = np.random.default_rng(seed).choice(len(pairs), size=max_pairs, replace=False)
        pairs = pairs[np.sort(chosen)]
    contacts = chain.contact_map(cutoff, min_separation)[pairs[:, 0], pairs[:, 1]]
    return pairs, contacts


@dataclass(frozen=True)
class ProbeResult:
    """Held-out scores of one probe per layer.

    Attributes
    ----------
    task, source : str
        E.g. ``"secondary_structure"``, ``"embedding"``.
    metrics : dict of str -> ndarray, shape=(n_layers,)
        ``"accuracy"``, ``"f1"`` and ``"precision"`` (macro averages over
        classes when there are more than two; of the positive class when
        binary), and for binary tasks ``"average_precision"`` (area under the
        precision-recall curve of the probe's probabilities).
    baseline : dict of str -> float
        The same metrics for always predicting the training set's majority
        class (average precision: the test positive rate).
    classes : tuple
        Label values seen in training.
    n_train, n_test : int
        Residues (or pairs) trained and scored on.
    """

    task: str
    source: str
    metrics: dict
    baseline: dict
    classes: tuple
    n_train: int
    n_test: int

    @property
    def n_layers(self) -> int:
        return len(next(iter(self.metrics.values())))

    def best_layer(self, metric: str = "accuracy") -> int:
        """0-based layer with the highest ``metric``."""
        return int(np.nanargmax(self.metrics[metric]))


def probe_layers(train_features: Sequence[np.ndarray], train_labels: Sequence[np.ndarray],
                 test_features: Sequence[np.ndarray], test_labels: Sequence[np.ndarray], *,
                 task: str = "", source: str = "", C: float = 0.01, max_iter: int = 1000) -> ProbeResult:
    """Train and score one logistic-regression probe per layer.

    Parameters
    ----------
    train_features, test_features : sequence of ndarray, shape=(n_layers, n_i, d)
        One array per protein: ``n_i`` residues (or pairs) with ``d`` features
        at every layer.  Proteins in train and test should differ.
    train_labels, test_labels : sequence of ndarray, shape=(n_i,)
        Integer or bool labels.
    C : float
        Inverse L2 regularisation strength.

    Returns
    -------
    ProbeResult
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train, x_test = np.concatenate(train_features, axis=1), np.concatenate(test_features, axis=1)
    y_train, y_test = np.concatenate(train_labels), np.concatenate(test_labels)
    if x_train.shape[0] != x_test.shape[0]:
        raise ValueError(f"train has {x_train.shape[0]} layers but test has {x_test.shape[0]}")
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise ValueError(f"the training labels of {task or 'this task'} hold only one class")
    binary = len(classes) == 2
    metrics: dict[str, list[float]] = {}
    for layer in range(x_train.shape[0]):
        probe = make_pipeline(StandardScaler(),
                              LogisticRegression(C=C, max_iter=max_iter, solver="newton-cg"))
        probe.fit(x_train[layer], y_train)
        scores = _scores(y_test, probe.predict(x_test[layer]), classes,
                         probe.predict_proba(x_test[layer])[:, 1] if binary else None)
        for name, value in scores.items():
            metrics.setdefault(name, []).append(value)
    values, counts = np.unique(y_train, return_counts=True)
    majority = values[np.argmax(counts)]
    baseline = _scores(y_test, np.full_like(y_test, majority), classes,
                       np.full(len(y_test), 0.5) if binary else None)
    return ProbeResult(task, source, {k: np.asarray(v) for k, v in metrics.items()}, baseline,
                       tuple(classes.tolist()), int(len(y_train)), int(len(y_test)))


def _scores(truth: np.ndarray, predicted: np.ndarray, classes: np.ndarray,
            positive_probability: np.ndarray | None) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score, precision_score

    binary = positive_probability is not None
    options = {"pos_label": classes[1], "average": "binary"} if binary else {"labels": classes, "average": "macro"}
    scores = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "f1": float(f1_score(truth, predicted, zero_division=0, **options)),
        "precision": float(precision_score(truth, predicted, zero_division=0, **options)),
    }
    if binary:
        positive = truth == classes[1]
        scores["average_precision"] = (float(average_precision_score(positive, positive_probability))
                                       if positive.any() else float("nan"))
    return scores


def _residue_features(model, sequence: str, source: str) -> np.ndarray:
    if source == "embedding":
        return layer_embeddings(model, sequence)
    if source == "attention":
        return attention_received(model.attention(sequence))
    raise ValueError(f"source must be 'embedding' or 'attention', got {source!r}")


def residue_probe(model, train: Sequence[tuple[str, np.ndarray]], test: Sequence[tuple[str, np.ndarray]], *,
                  task: str = "residue", source: str = "embedding", C: float = 0.01) -> ProbeResult:
    """Probe every layer for a per-residue property (secondary structure, binding site).

    Parameters
    ----------
    model : ProteinLanguageModel
    train, test : sequence of (sequence, labels)
        ``labels`` shape ``(L,)``: int classes (e.g. :func:`ss3_labels`) or bool.
    source : {"embedding", "attention"}
    """
    def features(items):
        out = []
        for sequence, labels in items:
            if len(labels) != len(sequence):
                raise ValueError(f"{len(labels)} labels for a {len(sequence)}-residue sequence")
            out.append(_residue_features(model, sequence, source))
        return out, [np.asarray(labels) for _, labels in items]

    (x_train, y_train), (x_test, y_test) = features(train), features(test)
    return probe_layers(x_train, y_train, x_test, y_test, task=task, source=source, C=C)


def contact_probe(model, train_chains: Sequence, test_chains: Sequence, *, source: str = "attention",
                  min_separation: int = CONTACT_MIN_SEPARATION, cutoff: float = CONTACT_CUTOFF, max_pairs: int | None = 2000, seed: int = 0,
                  C: float = 0.01) -> ProbeResult:
    """Probe every layer for contacts between residue pairs.

    Parameters
    ----------
    model : ProteinLanguageModel
    train_chains, test_chains : sequence of Chain
    source : {"attention", "embedding"}
        Pair features: :func:`pair_attention_features` or :func:`pair_embedding_features`.
    max_pairs : int or None
        Pairs sampled per chain (see :func:`contact_pairs`); ``None`` = all.
    """
    def features(chains):
        xs, ys = [], []
        for n, chain in enumerate(chains):
            pairs, contacts = contact_pairs(chain, min_separation=min_separation, cutoff=cutoff,
                                            max_pairs=max_pairs, seed=seed + n)
            if source == "attention":
                xs.append(pair_attention_features(model.attention(chain), pairs))
            elif source == "embedding":
                xs.append(pair_embedding_features(layer_embeddings(model, chain.sequence), pairs))
            else:
                raise ValueError(f"source must be 'attention' or 'embedding', got {source!r}")
            ys.append(contacts)
        return xs, ys

    (x_train, y_train), (x_test, y_test) = features(train_chains), features(test_chains)
    return probe_layers(x_train, y_train, x_test, y_test, task="contact", source=source, C=C)
