"""The explorer at real model sizes: 33 x 20 heads on a ~1,000-residue chain.

The attention is random (row-stochastic, float16: what the engine stores for
big tensors) on a real structure's coordinates, built directly as an
:class:`Attention` (attention cost depends on shape, not weights; no model runs).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis.accumulator import contact_accumulator
from protattn_widgets.attention import Attention
from protattn_widgets.widgets.encoding import max_quantization_error
from protattn_widgets.widgets.explorer import AttentionExplorer
from protattn_widgets.widgets.grid_counts import StrongPairIndex
from protattn_widgets.widgets.heatmap import block_max
from protattn_widgets.widgets.standalone import read_standalone_data

ROOT = Path(__file__).resolve().parents[1]
HZH = ROOT / "protattn_widgets/data/antibodies/1hzh.pdb.gz"


def long_chain(length: int, directory: Path) -> Path:
    """A PDB file whose chain H has ``length`` residues: 1HZH's chains H, L, K, M renumbered as one."""
    atoms = [ln for ln in gzip.decompress(HZH.read_bytes()).decode().splitlines() if ln.startswith("ATOM  ")]
    out, seen = [], {}
    for ln in atoms:
        key = (ln[21], ln[22:27])
        if key not in seen:
            if len(seen) == length:
                break
            seen[key] = len(seen) + 1
        out.append(f"{ln[:21]}H{seen[key]:4d} {ln[27:]}")
    path = directory / f"long_{length}.pdb"
    path.write_text("\n".join(out + ["TER", "END"]) + "\n")
    return path


def random_attention(chain, n_layers: int, n_heads: int, dtype=np.float16, seed: int = 0) -> Attention:
    rng = np.random.default_rng(seed)
    n = len(chain)
    # A few random heads; every head is a column-rolled copy of one (quick to make, still row-stochastic).
    bases = []
    for _ in range(min(8, n_layers * n_heads)):
        x = rng.standard_exponential((n, n), dtype=np.float32) ** 4
        bases.append((x / x.sum(axis=1, keepdims=True)).astype(dtype))
    values = np.empty((n_layers, n_heads, n, n), dtype=dtype)
    for flat in range(n_layers * n_heads):
        values[divmod(flat, n_heads)] = np.roll(bases[flat % len(bases)], 17 * flat, axis=1)
    values.flags.writeable = False
    return Attention(values, chain.sequence, tuple(chain.residue_ids), "random", chain.chain_id, chain.structure_name)


class GivenAttention:
    """A model stand-in that has computed one chain's attention already."""

    def __init__(self, attention: Attention):
        self.value, self.name, self.max_length, self.calls = attention, attention.model_name, len(attention), 0

    def attention(self, chain):
        self.calls += 1
        self.value.check_chain(chain)
        return self.value


@pytest.fixture(scope="module")
def hzh_heavy():
    return paw.load_structure(HZH)["H"]


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_grid_index_counts_exactly_what_the_accumulator_counts(hzh_heavy, dtype):
    attention = random_attention(hzh_heavy, 3, 4, dtype=dtype, seed=1)
    reference = Attention(np.asarray(attention.values, dtype=np.float32), attention.sequence, attention.residue_ids,
                          "random")
    index = StrongPairIndex(attention, hzh_heavy, floor=0.05)
    for threshold in (0.0, 0.02, 0.05, 0.08, 0.3, 0.55, 1.0):
        acc = contact_accumulator(reference, hzh_heavy, threshold, 10)
        hits, total = index.counts(threshold)
        np.testing.assert_array_equal(total, acc.total)
        np.testing.assert_array_equal(hits, acc.hits)
        assert total.sum() > 0 or threshold == 1.0
    assert index.kept_per_head().sum() == index.keys.size
    # float16 is indexed on its bit patterns, float32 by value: the same index either way
    same = StrongPairIndex(reference, hzh_heavy, floor=0.05)
    for name in ("keys", "offsets", "contact_before"):
        np.testing.assert_array_equal(getattr(index, name), getattr(same, name))


def test_block_max_keeps_the_strongest_pair_of_each_block():
    matrix = np.zeros((5, 5), dtype=np.float32)
    matrix[4, 0], matrix[1, 3], matrix[0, 0] = 0.9, 0.4, 0.1
    pooled = block_max(matrix, 2)
    assert pooled.shape == (3, 3)
    assert pooled[2, 0] == pytest.approx(0.9) and pooled[0, 1] == pytest.approx(0.4) and pooled[0, 0] == pytest.approx(0.1)
    assert pooled.sum() == pytest.approx(1.4)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    structure = paw.load_structure(long_chain(1000, tmp_path_factory.mktemp("long")))
    chain = structure["H"]
    attention = random_attention(chain, 33, 20)
    model = GivenAttention(attention)
    explorer = AttentionExplorer(structure, model=model, chain="H", layer=2, head=3, structure_view=False)
    return explorer, model, attention


def test_big_explorer_reuses_the_attention_and_sends_what_the_canvas_shows(big):
    ex, model, attention = big
    assert model.calls == 1 and ex.attention is attention  # no second extraction, no copy
    assert len(attention) == 1000 and attention.values.dtype == np.float16
    heatmap = ex.heatmap
    assert heatmap._block == 2 and len(heatmap._matrix) == 500 * 500  # pooled, not L x L
    ex.layer, ex.head = 30, 17
    assert (heatmap.layer, heatmap.head, ex.grid.layer, ex.sequence.head) == (30, 17, 30, 17)
    head = np.asarray(attention.head(30, 17), dtype=np.float32)
    error = max_quantization_error(heatmap._scale) + 1e-6
    assert heatmap._scale == pytest.approx(float(head.max()))
    assert np.abs(heatmap.matrix - block_max(head, 2)).max() <= error
    # Zooming in: the window comes at full resolution, and follows the head.
    heatmap.zoom = [100, 260, 300, 420]
    assert np.abs(heatmap.detail - head[100:260, 300:420]).max() <= error
    ex.head = 5
    head5 = np.asarray(attention.head(30, 5), dtype=np.float32)
    assert np.abs(heatmap.detail - head5[100:260, 300:420]).max() <= max_quantization_error(heatmap._scale) + 1e-6
    heatmap.zoom = [0, 1000, 0, 1000]  # larger than the pooled matrix: no detail
    assert heatmap.detail is None and heatmap._detail == b""


def test_big_grid_is_the_statistic_at_the_threshold_in_use(big):
    ex, _, attention = big
    chain = ex.chain_obj
    counted, contacts = chain.pair_mask("cb"), chain.contact_map(8.0, 6) & chain.pair_mask("cb")
    for threshold in (0.3, 0.12):
        ex.threshold = threshold
        acc = ex.grid.accumulator
        assert acc.threshold == threshold
        for layer, head in [(0, 0), (12, 7), (32, 19)]:
            strong = np.asarray(attention.head(layer, head), dtype=np.float32) >= np.float32(threshold)
            assert acc.total[layer, head] == np.count_nonzero(strong & counted)
            assert acc.hits[layer, head] == np.count_nonzero(strong & contacts)
    assert len(ex.grid._accumulators) == 2  # computed for the thresholds used, not 101


def test_big_page_embeds_pooled_heads_and_edges_above_the_floor(big, tmp_path):
    ex, _, attention = big
    ex.layer, ex.head, ex.threshold = 4, 9, 0.3
    data = read_standalone_data(ex.to_html(tmp_path / "layer.html", heads="layer"))
    arrays = data["arrays"]
    assert data["block"] == 2 and arrays["matrices"].shape == (20, 500, 500)
    assert data["thresholds"][0] == pytest.approx(0.05) and data["edge_floor"] == pytest.approx(0.05)
    k = data["embedded_heads"].index(4 * 20 + 9)
    assert arrays["matrices"][k].tobytes() == ex.heatmap._matrix  # the pooled head the notebook's heatmap has
    head = np.asarray(attention.head(4, 9), dtype=np.float32)
    a, b = arrays["edge_offsets"][k], arrays["edge_offsets"][k + 1]
    rows = np.repeat(np.arange(len(head)), arrays["edge_row_counts"][k].astype(int))
    pairs = np.column_stack([rows, arrays["edge_cols"][a:b].astype(int)])
    want = np.argwhere((head >= np.float32(0.05)) & ~np.eye(len(head), dtype=bool))
    np.testing.assert_array_equal(pairs, want)
    codes = arrays["edge_codes"][a:b].astype(np.float32) / 255 * data["matrix_scales"][k]
    assert np.abs(codes - head[want[:, 0], want[:, 1]]).max() <= max_quantization_error(data["matrix_scales"][k]) + 1e-6
    # The grid is embedded at each threshold the page offers, and matches the kernel's at 0.3.
    t = data["thresholds"].index(0.3)
    np.testing.assert_array_equal(arrays["grid_counts"][t], ex.grid.contact_accumulator(0.3).total)
    current = (tmp_path / "current.html")
    ex.to_html(current, heads="current")
    assert current.stat().st_size < (tmp_path / "layer.html").stat().st_size


def test_views_read_a_read_only_memory_map(hzh_heavy, tmp_path):
    """Attention spilled to disk (np.memmap, read-only, float16) works in the grid, heatmap and page."""
    source = random_attention(hzh_heavy, 2, 3, seed=4)
    path = tmp_path / "attention.f16"
    source.values.tofile(path)
    mapped = np.memmap(path, dtype=np.float16, mode="r", shape=source.values.shape)
    attention = Attention(mapped, source.sequence, source.residue_ids, "random", "H", hzh_heavy.structure_name)
    structure = paw.load_structure(HZH)
    ex = AttentionExplorer(structure, model=GivenAttention(attention), chain="H", layer=1, head=2,
                           structure_view=False)
    reference = Attention(np.asarray(mapped, dtype=np.float32), source.sequence, source.residue_ids, "random")
    acc = contact_accumulator(reference, hzh_heavy, ex.threshold, ex.grid.min_total)
    np.testing.assert_array_equal(ex.grid.accumulator.total, acc.total)
    assert np.abs(ex.heatmap.matrix - reference.head(1, 2)).max() <= max_quantization_error(ex.heatmap._scale) + 1e-6
    data = read_standalone_data(ex.to_html(tmp_path / "page.html", heads="current"))
    assert data["arrays"]["matrices"][0].tobytes() == ex.heatmap._matrix


@pytest.mark.parametrize("threshold", [0.0, 0.05, 0.3, 1 / 3, 1.0])
def test_pairs_at_least_counts_what_the_float_comparison_counts(threshold):
    from protattn_widgets.widgets.grid_counts import pairs_at_least

    rng = np.random.default_rng(5)
    values = (rng.random((3, 4, 9, 9)) ** 2).astype(np.float16)
    values.flat[:6] = [np.nan, np.inf, -0.5, -0.0, np.float16(1 / 3), np.float16(0.05)]
    for array in (values, values.astype(np.float32)):
        expected = (array >= np.asarray(threshold, dtype=array.dtype)).sum(axis=(2, 3))
        assert np.array_equal(pairs_at_least(array, threshold), expected)
