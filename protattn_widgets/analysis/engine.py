"""``analyze``: stream a dataset through a model and count every property per head.

For each protein: truncate to ``max_length``, label it for every property it
can supply, run the model once and count all properties layer by layer as
the forward pass yields them, in full float32 precision
(``model.visit_layer_attention`` into a :class:`.counting.LayerCounter`, in
this thread: one layer's attention held at a time, so memory does not grow
with the model's depth or the number of proteins), add to one accumulator per feature.  With a Dask ``client`` the same happens
on shards of the dataset on the cluster's workers (:mod:`.distributed`).

With ``batch_size > 1`` (automatic on CUDA) proteins of similar length share
one padded forward pass (``model.visit_layer_attention_batch``, still one layer
of the batch at a time); each protein's own residue block of each layer is
counted exactly as unbatched, and concentrations are merged in input order.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable

import numpy as np

from ..definitions import DEFAULT_THRESHOLD, MIN_STRONG_EDGES
from ..errors import AnalysisInputError, SequenceTooLongError, StructureError
from .batching import WINDOW_BATCHES, length_batches, resolve_batch_size
from .concentration import TargetConcentration, concentrate_thresholded, record_labels
from .counting import LayerCounter, threshold_attention
from .datasets import ProteinRecord, load_dataset
from .properties import resolve_properties
from .results import AnalysisResult
from .sinks import SinkMass

__all__ = ["analyze", "DEFAULT_MAX_LENGTH"]

#: The paper's maximum sequence length (residues), lowered to the model's own limit where that is smaller.
DEFAULT_MAX_LENGTH = 512


def analyze(model, dataset, properties: Iterable[str] | str = ("contact", "binding_site"), *,
            threshold: float = DEFAULT_THRESHOLD, min_total: int = MIN_STRONG_EDGES, max_length: int = DEFAULT_MAX_LENGTH,
            progress: bool = True, use_cache: bool = True, client=None,
            n_shards: int | None = None, batch_size: int | None = None) -> AnalysisResult:
    """Share of each head's strong attention that has each property, over a dataset.

    Parameters
    ----------
    model : ProteinLanguageModel or str
        A loaded model, or anything :func:`~protattn_widgets.load_model` accepts.
    dataset : iterable of ProteinRecord, or path(s)
        Records (:mod:`.datasets`), or files/folders for :func:`.load_dataset`.
    properties : list of str
        Names in :data:`~.properties.PROPERTIES`.
    threshold : float
        Strong edges have attention ``>= threshold``.
    min_total : int
        Heads with fewer strong edges are masked.
    max_length : int
        Proteins are truncated to ``min(max_length, model.max_length)``
        residues (AntiBERTy accepts 510); the result's ``notes`` say so.
    progress : bool
        A tqdm bar on stderr.
    use_cache : bool
        Serve attention the cache already holds in float32 (nothing is
        stored: counting streams layers from one forward pass per protein).
    client : dask.distributed.Client, optional
        Run on this Dask cluster instead (see :func:`.distributed.analyze_on_cluster`).
    n_shards : int, optional
        Shards for the cluster (default: twice the number of worker threads).
    batch_size : int, optional
        Proteins per forward pass, grouped by length and padded.  ``None``:
        1 on the CPU; on CUDA as many as one layer's float32 attention of the
        batch fits in 1 GiB, at most 32 (:mod:`.batching`).  Counts equal
        the unbatched ones (padding gets zero attention).  With a ``client``
        it applies on every worker (``None``: by each worker's device).

    Returns
    -------
    AnalysisResult
    """
    props = resolve_properties(properties)
    if batch_size is not None:
        resolve_batch_size(batch_size, None, 0)  # a bad value fails before any work
    if isinstance(dataset, (str, os.PathLike)) or (
            isinstance(dataset, (list, tuple)) and dataset and isinstance(dataset[0], (str, os.PathLike))):
        dataset = load_dataset(dataset)
    notes = list(getattr(dataset, "notes", ()))  # files load_dataset skipped
    if isinstance(dataset, (list, tuple)):
        from ..models.domain import warn_out_of_domain

        domain_note = warn_out_of_domain(model, dataset)
        notes += [domain_note] if domain_note else []
    if client is not None:
        from .distributed import analyze_on_cluster

        result = analyze_on_cluster(client, model, list(dataset), [p.name for p in props], threshold=threshold,
                                    min_total=min_total, max_length=max_length, n_shards=n_shards,
                                    batch_size=batch_size)
    else:
        if isinstance(model, str):
            from ..models import load_model

            model = load_model(model)
        result = count_records(model, dataset, props, threshold=threshold, min_total=min_total,
                               max_length=max_length, progress=progress, use_cache=use_cache,
                               batch_size=batch_size)
    for note in notes:
        result.add_note(note)
    result.model, result.records = model, (list(dataset) if isinstance(dataset, (list, tuple)) else None)  # browse()
    return check_counted(result, props)


def count_records(model, records: Iterable[ProteinRecord], props, *, threshold: float, min_total: int,
                  max_length: int, progress: bool = False, use_cache: bool = True,
                  batch_size: int | None = None) -> AnalysisResult:
    """The local loop behind :func:`analyze` (also what each Dask shard runs; it may count nothing)."""
    from tqdm.auto import tqdm

    if int(max_length) < 1:
        raise AnalysisInputError(f"max_length must be at least 1, got {max_length}")
    length = min(int(max_length), model.max_length)
    size = resolve_batch_size(batch_size, model, length)
    result = AnalysisResult(model.name, model.n_layers, model.n_heads, threshold, min_total, length,
                            {p.name: list(p.features) for p in props})
    total = len(records) if hasattr(records, "__len__") else None
    # tqdm shows rate and ETA whenever the dataset's length is known.
    bar = tqdm(total=total, desc=f"analyze ({model.name})", unit="protein", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    try:
        if size == 1:
            _count_one_by_one(model, records, props, length, use_cache, result, bar)
        else:
            _count_batched(model, records, props, length, use_cache, result, bar, size)
    finally:
        bar.close()
    if length < int(max_length):
        result.add_note(f"max_length lowered from {max_length} to {length} residues, the most {model.name} "
                        "accepts")
    return result


def _count_one_by_one(model, records, props, length: int, use_cache: bool, result: AnalysisResult, bar) -> None:
    """One forward pass per protein, its layers counted as they come."""
    for position, record in enumerate(records):
        _count_one(model, record, props, length, use_cache, result, position)
        bar.update(1)


def _count_one(model, record, props, length: int, use_cache: bool, result: AnalysisResult, position: int) -> None:
    prepared = _labelled(record, props, length, result)
    if prepared is None:
        return
    record, labelled = prepared
    job = _job_of(model, record, result)
    if job is None:
        return
    counter, names = LayerCounter(model.n_layers, result.threshold, labelled), record_labels(record)
    own = _own_concentrations(model, result)
    model.visit_layer_attention(job, _layer_counter(result, labelled, counter, own, names), use_cache=use_cache,
                                **_masses(model, result))  # in this thread: see its docstring
    _add_counts(result, record, counter.result(), position, own)


def _masses(model, result: AnalysisResult) -> dict:
    """``{"masses": True}`` when the model's visitors hand each residue's attention to special tokens (sink
    heads, :mod:`.sinks`), with ``result.sinks`` ready to count it; else ``{}``."""
    import inspect

    if "masses" not in inspect.signature(model.visit_layer_attention).parameters:
        return {}
    if result.sinks is None:
        result.set_sinks(SinkMass(result.n_layers, result.n_heads))
    return {"masses": True}


def _own_concentrations(model, result: AnalysisResult) -> dict:
    """One protein's own concentrations (its top residues), merged into the result's after counting."""
    return {name: TargetConcentration(model.n_layers, model.n_heads, result.threshold) for name in result.concentrations}


def _layer_counter(result: AnalysisResult, labelled: list, counter: LayerCounter, own: dict, names: list):
    """The visitor of one protein's layers: thresholds each layer once, then counts everything from it."""
    def count_layer(layer: int, values: np.ndarray, special_token_mass=None, unobserved_mass=None) -> None:
        if special_token_mass is not None:
            result.sinks.add(special_token_mass, layer=layer)
        strong, received, all_total = threshold_attention(values, result.threshold)
        concentrate_thresholded(strong, received, labelled, own, names, layer=layer)
        counter.add_thresholded(layer, strong, received, all_total)
        result.offsets.add_strong(layer, strong)

    return count_layer


def _count_batched(model, records, props, length: int, use_cache: bool, result: AnalysisResult, bar,
                   size: int) -> None:
    """Windows of ``WINDOW_BATCHES * size`` records, sorted by length into batches of ``size``."""
    window: list = []
    for position, record in enumerate(records):
        prepared = _labelled(record, props, length, result)
        job = None if prepared is None else _job_of(model, prepared[0], result)
        if job is None:
            bar.update(1)
            continue
        window.append((*prepared, job, position))
        if len(window) == WINDOW_BATCHES * size:
            _count_window(model, window, use_cache, result, bar, size)
            window = []
    if window:
        _count_window(model, window, use_cache, result, bar, size)


def _count_window(model, window: list, use_cache: bool, result: AnalysisResult, bar, size: int) -> None:
    """Count a window's proteins batch by batch; add them to ``result`` in input order."""
    counted: list = [None] * len(window)
    for batch in length_batches([len(job.model_sequence) for _, _, job, _ in window], size):
        counters = {i: LayerCounter(model.n_layers, result.threshold, window[i][1]) for i in batch}
        # per protein: its top targets must be merged in input order, as unbatched
        owns = {i: _own_concentrations(model, result) for i in batch}
        visitors = {i: _layer_counter(result, window[i][1], counters[i], owns[i], record_labels(window[i][0]))
                    for i in batch}

        def count_layer(layer: int, blocks: list, *masses, batch=batch) -> None:
            for k, (i, values) in enumerate(zip(batch, blocks)):
                visitors[i](layer, values, *(mass[k] for mass in masses))

        model.visit_layer_attention_batch([window[i][2] for i in batch], count_layer, use_cache=use_cache,
                                          **_masses(model, result))
        for i in batch:
            counted[i] = (counters[i].result(), owns[i])
        bar.update(len(batch))
    for (record, _labelled_, _job, position), (counts, own) in zip(window, counted):
        _add_counts(result, record, counts, position, own)


def _labelled(record, props, length: int, result: AnalysisResult):
    """``(truncated record, [(prop, labels, mask)])``, or None when it supplies no property (counted as skipped)."""
    if not isinstance(record, ProteinRecord):
        raise AnalysisInputError(f"dataset items must be ProteinRecord, got {type(record).__name__}")
    record = record.truncate(length)
    labelled = []
    for prop in props:
        found = prop.labels(record)
        if found is None:
            result.skipped[prop.name] = result.skipped.get(prop.name, 0) + 1
        else:
            labelled.append((prop, *found))
    return (record, labelled) if labelled else None


def _add_counts(result: AnalysisResult, record: ProteinRecord, counts: dict, position: int, own: dict) -> None:
    """Add one protein's counts (and its own concentrations) to the dataset's, and keep them per protein."""
    residues = record_labels(record, with_id=False)
    for name, concentration in own.items():
        result.concentrations[name].merge(concentration)
    for prop, features in result.properties.items():
        for feature in features:
            if feature in counts:
                result.accumulators[feature].add_protein(record.id, counts[feature].hits, counts[feature].total,
                                                         position=position, concentration=own.get(prop),
                                                         residues=residues)
    for feature, feature_counts in counts.items():
        result.accumulators[feature].add_counts(feature_counts.hits, feature_counts.total,
                                                feature_counts.background_hits, feature_counts.background_total)
    result.proteins += 1
    result.truncated += record.truncated


def _job_of(model, record: ProteinRecord, result: AnalysisResult):
    """The model input of ``record`` (its deposited sequence when it has one and it fits, else what was
    observed, with a note), or None to skip it (with a note)."""
    if hasattr(record, "model_input"):
        try:
            return model.job(record)
        except SequenceTooLongError:
            result.add_note(f"{record.id}: its model sequence exceeds {model.max_length} residues; "
                            "the model read the observed residues only")
        except StructureError as error:
            result.add_note(f"{record.id} skipped: {error}")
            return None
    return model.job(record.sequence)


def check_counted(result: AnalysisResult, props) -> AnalysisResult:
    """Raise unless some protein supplied some property (after merging shards, on a cluster)."""
    if result.proteins == 0:
        if not result.skipped:
            raise AnalysisInputError("the dataset is empty: no protein records to analyse")
        raise AnalysisInputError(
            f"no protein in the dataset could supply any of {[p.name for p in props]} "
            "(contact and secondary_structure need structures, binding_site/ptm/paratope need labels)")
    return result
