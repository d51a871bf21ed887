"""analyze(batch_size=): padded forward passes by length give the unbatched counts, one layer at a time."""

from __future__ import annotations

import weakref
from pathlib import Path

import numpy as np
import pytest

from protattn_widgets import analysis
from protattn_widgets.analysis import ProteinRecord
from protattn_widgets.analysis.batching import auto_batch_size, length_batches, resolve_batch_size
from protattn_widgets.errors import AnalysisInputError
from protattn_widgets.models import language_model

DATA = Path(__file__).parent / "data"
BINDING = DATA / "binding_sites_valid_head30.jsonl"


def assert_same_result(batched, unbatched):
    assert batched.proteins == unbatched.proteins and batched.truncated == unbatched.truncated
    assert batched.notes == unbatched.notes and batched.skipped == unbatched.skipped
    assert list(batched) == list(unbatched)
    for feature in unbatched:
        a, b = batched[feature], unbatched[feature]
        np.testing.assert_array_equal(a.hits, b.hits, err_msg=feature)
        np.testing.assert_array_equal(a.total, b.total, err_msg=feature)
        assert (a.background_hits, a.background_total) == (b.background_hits, b.background_total), feature
        # each protein's own counts too, in input order although batches count them by length
        assert a.per_protein.equals(b.per_protein), feature
    np.testing.assert_array_equal(batched.offsets.counts, unbatched.offsets.counts)
    for name, concentration in unbatched.concentrations.items():
        mine = batched.concentrations[name].to_dict()
        for field, value in concentration.to_dict().items():
            np.testing.assert_array_equal(mine[field], value, err_msg=f"{name}.{field}")


def max_batched_difference(model, sources, batch_size):
    """Largest |batched - unbatched| attention over the proteins, batching them as the engine does."""
    jobs = [model.job(s) for s in sources]
    single = [dict(model.iter_layer_attention(s, use_cache=False)) for s in sources]
    worst = 0.0
    for batch in length_batches([len(j.model_sequence) for j in jobs], batch_size):
        for layer, blocks in model.iter_layer_attention_batch([jobs[i] for i in batch], use_cache=False):
            for i, values in zip(batch, blocks):
                assert values.dtype == np.float32 and values.shape == single[i][layer].shape
                worst = max(worst, float(np.abs(values - single[i][layer]).max()))
    return worst


@pytest.fixture(scope="module")
def antiberty_records():
    """Nine antibody chains of 105-127 residues (contact, paratope) and six long label-file proteins
    (binding_site, truncated to 510): with batch_size=4 the window sorts them into 4 + 4 + 4 + 3."""
    return analysis.antibody_dataset()[:9] + analysis.read_label_file(BINDING, limit=6)


def test_antiberty_batched_counts_equal_unbatched_for_contact_and_binding_site(antiberty, antiberty_records):
    props = ["contact", "binding_site", "paratope"]
    unbatched = analysis.analyze(antiberty, antiberty_records, props, min_total=1, progress=False, use_cache=False)
    batched = analysis.analyze(antiberty, antiberty_records, props, min_total=1, progress=False, use_cache=False,
                               batch_size=4)
    assert unbatched.proteins == 15 and unbatched["contact"].total.sum() > 0
    # binding sites from the six label-file proteins and from the SITE records of some structures
    assert unbatched["binding_site"].hits.sum() > 0 and unbatched["binding_site"].proteins >= 6
    assert_same_result(batched, unbatched)


def test_antiberty_padded_attention_matches_to_float_rounding(antiberty, antiberty_records):
    # Measured 0.0 on this CPU (padded keys get exactly zero weight); a GPU's kernels may round differently.
    proteins = [r.truncate(antiberty.max_length) for r in antiberty_records]
    assert max_batched_difference(antiberty, proteins, 4) < 1e-5


@pytest.fixture(scope="module")
def tiny_esm(tiny_dir):
    import protattn_widgets as paw
    from tiny_models import save_esm

    return paw.load_model(str(save_esm(tiny_dir / "esm_batched")))


def mixed_records(n: int = 11, seed: int = 7) -> list[ProteinRecord]:
    """Random proteins of 3..62 residues with random binding-site labels."""
    rng = np.random.default_rng(seed)
    records = []
    for index, length in enumerate(rng.integers(3, 63, size=n)):
        sequence = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=length))
        sites = rng.random(length) < 0.2
        records.append(ProteinRecord(f"p{index}", sequence, tuple(str(i + 1) for i in range(length)),
                                     labels={"binding_site": sites}))
    return records


def test_tiny_esm_mixed_lengths_batched_equals_unbatched(tiny_esm):
    records = mixed_records()
    assert len({len(r) for r in records}) > 5 and tiny_esm.max_length >= max(len(r) for r in records)
    assert max_batched_difference(tiny_esm, records, 4) < 1e-5
    # random weights spread attention thinly: a low threshold gives strong edges to count
    props = ["binding_site", "amino_acid"]
    unbatched = analysis.analyze(tiny_esm, records, props, threshold=0.05, min_total=1, progress=False,
                                 use_cache=False)
    batched = analysis.analyze(tiny_esm, records, props, threshold=0.05, min_total=1, progress=False,
                               use_cache=False, batch_size=4)
    assert unbatched["binding_site"].total.sum() > 100 and unbatched["binding_site"].hits.sum() > 0
    assert_same_result(batched, unbatched)


def test_cached_float32_proteins_are_served_from_the_cache_within_a_batch(tiny_esm):
    records = mixed_records(4, seed=11)
    stored = tiny_esm.attention(records[1])  # a float32 cache entry (small)
    runs = tiny_esm.forward_count
    layers = list(tiny_esm.iter_layer_attention_batch(records))
    assert tiny_esm.forward_count == runs + 1 and len(layers) == tiny_esm.n_layers
    for layer, blocks in layers:
        np.testing.assert_array_equal(blocks[1], stored.values[layer])
    assert list(tiny_esm.iter_layer_attention_batch([records[1]]))[0][1][0].shape == stored.values[0].shape
    assert tiny_esm.forward_count == runs + 1  # all cached: no forward pass


def test_one_layer_of_the_batch_at_a_time(antiberty, antiberty_records, monkeypatch):
    """The device holds one layer's (batch, heads, T, T) weights: each is gone (or its memory reused)
    before the next layer's exists; and the forward pass waits for the consumer (at most two layers ahead)."""
    original = language_model.capturing
    alive: list = []
    events = {"sunk": 0, "ahead": 0, "shapes": []}

    def spying(module, sink):
        def spy(weights):
            memory = weights.untyped_storage().data_ptr()
            assert all(ref() is None or address == memory for ref, address in alive), \
                "an earlier layer's attention is still alive in other memory"
            alive.append((weakref.ref(weights), memory))
            events["sunk"] += 1
            events["shapes"].append(tuple(weights.shape))
            sink(weights)
        return original(module, spy)

    monkeypatch.setattr(language_model, "capturing", spying)
    batch = [r.truncate(antiberty.max_length) for r in antiberty_records[:3]]
    consumed = 0
    for layer, blocks in antiberty.iter_layer_attention_batch(batch, use_cache=False):
        assert layer == consumed and len(blocks) == 3
        consumed += 1
        events["ahead"] = max(events["ahead"], events["sunk"] - consumed)
    assert consumed == events["sunk"] == antiberty.n_layers
    assert events["ahead"] <= 2
    assert {shape[:2] for shape in events["shapes"]} == {(3, antiberty.n_heads)}  # one layer, whole batch


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4"])
def test_batch_size_must_be_a_positive_whole_number(antiberty, bad):
    records = analysis.antibody_dataset(["1vfb_complex"])
    with pytest.raises(AnalysisInputError, match="batch_size must be a whole number of at least 1"):
        analysis.analyze(antiberty, records, ["contact"], progress=False, batch_size=bad)


def test_automatic_batch_size_is_one_on_the_cpu_and_fits_one_layer_on_cuda(antiberty):
    assert antiberty.device == "cpu" and resolve_batch_size(None, antiberty, 510) == 1
    assert resolve_batch_size(7, antiberty, 510) == 7

    class OnCuda:
        device, n_heads, n_special_tokens = "cuda", 20, 2

    # ESM-2 650M at 1022 residues: 20 heads x 1024^2 x 4 bytes = 80 MiB a protein -> 12 in 1 GiB
    assert resolve_batch_size(None, OnCuda(), 1022) == 12 == auto_batch_size(20, 1024)
    assert resolve_batch_size(None, OnCuda(), 100) == 32  # capped
    assert auto_batch_size(40, 4096) == 1  # never 0
