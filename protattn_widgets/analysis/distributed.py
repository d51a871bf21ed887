"""The analysis on a Dask cluster: shards counted on workers, counts merged exactly.

Counts are integers, so merging shards gives exactly the local result,
whatever the sharding; each protein's own counts (``result[f].per_protein``)
come back in the dataset's order.  Each worker process loads the model once (by name,
from its own model cache and files) and keeps it for later shards.

Pointing it at a real cluster::

    from dask.distributed import Client
    client = Client("tcp://scheduler-host:8786")    # the scheduler's address
    result = analysis.analyze("antiberty", records, ["contact", "amino_acid"], client=client)

Every worker needs this package, the model's files (``antiberty`` ships in
its wheel; hub models must be in the worker's Hugging Face cache, or set
``HF_HOME``), and ``mkdssp`` for secondary structure.  Records travel to the
workers with their structures, so keep shards modest for large structures.
On a GPU worker the model runs on the GPU (``load_model``'s default device).
"""

from __future__ import annotations

from ..definitions import DEFAULT_THRESHOLD, MIN_STRONG_EDGES
from .properties import resolve_properties
from .results import AnalysisResult

__all__ = ["analyze_on_cluster"]


def analyze_on_cluster(client, model, records: list, properties: list[str], *, threshold: float = DEFAULT_THRESHOLD,
                       min_total: int = MIN_STRONG_EDGES, max_length: int = 512, n_shards: int | None = None,
                       batch_size: int | None = None) -> AnalysisResult:
    """Count ``records`` on ``client``'s workers in shards and merge the counts.

    Parameters
    ----------
    client : dask.distributed.Client
    model : str or ProteinLanguageModel
        Only its name, family and revision travel; workers load it themselves.
    records : list of ProteinRecord
    n_shards : int, optional
        Default: twice the cluster's worker threads, at most one per record.
    batch_size : int, optional
        Proteins per forward pass on each worker (``None``: by the worker's device).
    """
    spec = _model_spec(model)
    resolve_properties(properties)  # fail here, not on a worker
    if n_shards is None:
        n_shards = 2 * max(1, sum(client.nthreads().values()))
    n_shards = max(1, min(int(n_shards), len(records)))
    shards = [records[i::n_shards] for i in range(n_shards)]
    futures = [client.submit(_count_shard, spec, shard, list(properties), threshold, min_total, max_length,
                             batch_size, pure=False) for shard in shards]
    results = client.gather(futures)
    for index, part in enumerate(results):  # per-protein rows back in the dataset's order
        part.remap_positions(lambda local, index=index: index + local * n_shards)
    merged = results[0]
    for part in results[1:]:
        merged = merged + part
    return merged


def _model_spec(model) -> dict:
    if isinstance(model, str):
        return {"name": model}
    return {"name": model.name, "family": model.family, "revision": model.revision,
            "dtype": getattr(model, "dtype", None)}


def _count_shard(spec: dict, records: list, properties: list[str], threshold: float, min_total: int,
                 max_length: int, batch_size: int | None = None) -> AnalysisResult:
    from ..models import load_model
    from .engine import count_records

    model = load_model(**spec)  # once per worker process: load_model keeps loaded models
    return count_records(model, records, resolve_properties(properties), threshold=threshold,
                         min_total=min_total, max_length=max_length, progress=False, batch_size=batch_size)
