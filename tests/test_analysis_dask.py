"""The Dask path gives exactly the counts of the local path (LocalCluster, 2 worker processes)."""

from __future__ import annotations

import dask.distributed as distributed
import numpy as np

from protattn_widgets import analysis


def test_dask_counts_equal_local_counts(antiberty):
    records = analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])
    properties = ["contact", "paratope", "amino_acid"]
    local = analysis.analyze(antiberty, records, properties, min_total=10, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        remote = analysis.analyze("antiberty", records, properties, min_total=10, client=client, n_shards=3)
        workers_used = len(client.has_what())
    assert workers_used == 2
    assert remote.features == local.features and remote.proteins == local.proteins == 3
    for feature in local:
        np.testing.assert_array_equal(remote[feature].hits, local[feature].hits, err_msg=feature)
        np.testing.assert_array_equal(remote[feature].total, local[feature].total, err_msg=feature)
        assert (remote[feature].background_hits, remote[feature].background_total) == (
            local[feature].background_hits, local[feature].background_total)
        # each protein's own counts: the local ones, in the dataset's order, summing to the dataset counts
        assert remote[feature].per_protein.equals(local[feature].per_protein), feature
        sums = remote[feature].per_protein.groupby(["layer_index", "head_index"])[["hits", "total"]].sum()
        np.testing.assert_array_equal(sums["hits"].to_numpy().reshape(8, 8), remote[feature].hits, err_msg=feature)
        np.testing.assert_array_equal(sums["total"].to_numpy().reshape(8, 8), remote[feature].total, err_msg=feature)
    assert list(remote["contact"].per_protein["protein"].unique()) == [r.id for r in records]
    np.testing.assert_array_equal(remote.offsets.counts, local.offsets.counts)  # positional heads merge exactly
    for prop in properties:  # column-head counts merge exactly too (top target: the larger count wins)
        for name in ("total", "targets", "top_edges", "column_edges"):
            np.testing.assert_array_equal(getattr(remote.concentrations[prop], name),
                                          getattr(local.concentrations[prop], name), err_msg=f"{prop} {name}")
        assert remote.concentrations[prop].proteins == local.concentrations[prop].proteins
