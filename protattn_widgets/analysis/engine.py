"""``analyze``: stream a dataset through a model and count every property per head.

For each protein: truncate to ``max_length``, label it for every property it
can supply, run the model once and count all properties layer by layer as
the forward pass yields them, in full float32 precision
(``model.iter_layer_attention`` and :func:`.counting.count_protein_layers`:
one layer's attention held at a time, so memory does not grow with the
model's depth or the number of proteins), add to one accumulator per feature.  With a Dask ``client`` the same happens
on shards of the dataset on the cluster's workers (:mod:`.distributed`).
"""

from __future__ import annotations

import os
import sys
from typing import Iterable

from ..errors import AnalysisInputError, SequenceTooLongError, StructureError
from .concentration import count_concentration, record_labels
from .counting import count_protein_layers
from .datasets import ProteinRecord, load_dataset
from .properties import resolve_properties
from .results import AnalysisResult

__all__ = ["analyze", "DEFAULT_MAX_LENGTH"]

#: The paper's maximum sequence length (residues), lowered to the model's own limit where that is smaller.
DEFAULT_MAX_LENGTH = 512


def analyze(model, dataset, properties: Iterable[str] | str = ("contact", "binding_site"), *,
            threshold: float = 0.3, min_total: int = 100, max_length: int = DEFAULT_MAX_LENGTH,
            progress: bool = True, use_cache: bool = True, client=None,
            n_shards: int | None = None) -> AnalysisResult:
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

    Returns
    -------
    AnalysisResult
    """
    props = resolve_properties(properties)
    if isinstance(dataset, (str, os.PathLike)) or (
            isinstance(dataset, (list, tuple)) and dataset and isinstance(dataset[0], (str, os.PathLike))):
        dataset = load_dataset(dataset)
    notes = list(getattr(dataset, "notes", ()))  # files load_dataset skipped
    if client is not None:
        from .distributed import analyze_on_cluster

        result = analyze_on_cluster(client, model, list(dataset), [p.name for p in props], threshold=threshold,
                                    min_total=min_total, max_length=max_length, n_shards=n_shards)
    else:
        if isinstance(model, str):
            from ..models import load_model

            model = load_model(model)
        result = count_records(model, dataset, props, threshold=threshold, min_total=min_total,
                               max_length=max_length, progress=progress, use_cache=use_cache)
    for note in notes:
        result.add_note(note)
    return check_counted(result, props)


def count_records(model, records: Iterable[ProteinRecord], props, *, threshold: float, min_total: int,
                  max_length: int, progress: bool = False, use_cache: bool = True) -> AnalysisResult:
    """The local loop behind :func:`analyze` (also what each Dask shard runs; it may count nothing)."""
    from tqdm.auto import tqdm

    if int(max_length) < 1:
        raise AnalysisInputError(f"max_length must be at least 1, got {max_length}")
    length = min(int(max_length), model.max_length)
    result = AnalysisResult(model.name, model.n_layers, model.n_heads, threshold, min_total, length,
                            {p.name: list(p.features) for p in props})
    total = len(records) if hasattr(records, "__len__") else None
    # tqdm shows rate and ETA whenever the dataset's length is known.
    for record in tqdm(records, total=total, desc=f"analyze ({model.name})", unit="protein",
                       disable=not progress, file=sys.stderr, dynamic_ncols=True):
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
        if not labelled:
            continue
        layers = _layers_of(model, record, use_cache, result)
        if layers is None:
            continue
        layers = _concentrated(layers, result, labelled, record_labels(record))
        for feature, counts in count_protein_layers(layers, model.n_layers, result.threshold, labelled).items():
            result.accumulators[feature].add_counts(counts.hits, counts.total, counts.background_hits,
                                                    counts.background_total)
        result.proteins += 1
        result.truncated += record.truncated
    if length < int(max_length):
        result.add_note(f"max_length lowered from {max_length} to {length} residues, the most {model.name} "
                        "accepts")
    return result


def _concentrated(layers, result: AnalysisResult, labelled: list, labels: list[str]):
    """Pass the layers on, counting each one's target concentration on the way (one forward pass in all)."""
    for layer, values in layers:
        count_concentration(values, result.threshold, labelled, result.concentrations, labels, layer=layer)
        yield layer, values


def _layers_of(model, record: ProteinRecord, use_cache: bool, result: AnalysisResult):
    """The record's attention, layer by layer: on its model input (e.g. deposited sequence) when it has one."""
    if hasattr(record, "model_input"):
        try:
            return model.iter_layer_attention(record, use_cache=use_cache)
        except SequenceTooLongError:
            result.add_note(f"{record.id}: its model sequence exceeds {model.max_length} residues; "
                            "the model read the observed residues only")
        except StructureError as error:  # observed residues that do not map onto the deposited sequence
            result.add_note(f"{record.id} skipped: {error}")
            return None
    return model.iter_layer_attention(record.sequence, use_cache=use_cache)


def check_counted(result: AnalysisResult, props) -> AnalysisResult:
    """Raise unless some protein supplied some property (after merging shards, on a cluster)."""
    if result.proteins == 0:
        if not result.skipped:
            raise AnalysisInputError("the dataset is empty: no protein records to analyse")
        raise AnalysisInputError(
            f"no protein in the dataset could supply any of {[p.name for p in props]} "
            "(contact and secondary_structure need structures, binding_site/ptm/paratope need labels)")
    return result
