"""The dataset browser's data model: head grid of a feature -> proteins of a head -> a protein's explorer."""

from __future__ import annotations

import numpy as np
import pytest
from traitlets import TraitError

from protattn_widgets import analysis
from protattn_widgets.analysis.statistics import clopper_pearson
from protattn_widgets.errors import InvalidOptionError, LayerHeadIndexError
from protattn_widgets.widgets.dataset_browser import DatasetBrowser, head_flags, protein_ranking
from protattn_widgets.widgets.encoding import float32_bytes


@pytest.fixture(scope="module")
def records():
    return analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])


@pytest.fixture(scope="module")
def result(antiberty, records):
    return analysis.analyze(antiberty, records, ["contact", "paratope"], min_total=10, progress=False)


def test_browse_shows_the_features_grid_with_cis_and_flags(result):
    browser = result.browse("contact")
    acc = result["contact"]
    assert browser.features == result.features and browser.feature == "contact"
    assert (browser.n_layers, browser.n_heads, browser.n_proteins) == (8, 8, acc.proteins)
    assert browser._values == float32_bytes(acc.share)
    np.testing.assert_array_equal(np.frombuffer(browser._counts, np.uint32).reshape(8, 8), acc.total)
    low, high = clopper_pearson(acc.hits, acc.total)
    ci = np.frombuffer(browser._ci, np.float32)
    np.testing.assert_allclose(ci[:64], low.ravel(), rtol=1e-6)
    np.testing.assert_allclose(ci[64:], high.ravel(), rtol=1e-6)
    # flags: the same words as the top-heads table, head by head
    table = acc.top_heads(None)
    words = dict(zip(zip(table["layer_index"], table["head_index"]), table["flags"]))
    for (layer, head), flagged in words.items():
        assert browser.flags[layer, head] == flagged
    assert len(browser._flags) == 64 and browser._flags == head_flags(acc)
    # the first head is the feature's top head
    top = acc.top_heads(1)
    assert (browser.layer, browser.head) == (top["layer_index"][0], top["head_index"][0])
    assert "contacts" in browser.caption and str(acc.proteins) in browser.caption


def test_a_head_lists_its_proteins_most_hits_first_and_they_add_up(result):
    browser = result.browse("contact")
    acc = result["contact"]
    for layer, head in [(0, 0), (1, 6), (7, 7)]:
        browser.layer, browser.head = layer, head
        rows = browser.ranking
        hits = [row["hits"] for row in rows]
        assert hits == sorted(hits, reverse=True)
        assert sum(hits) == acc.hits[layer, head]
        assert sum(row["total"] for row in rows) == acc.total[layer, head]
        assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
        for row in rows:
            i = acc.protein_counts.proteins.index(row["protein"])
            assert row["hits"] == acc.protein_counts.hits[i, layer, head]
            assert row["total"] == acc.protein_counts.total[i, layer, head] > 0
            assert row["share"] == pytest.approx(row["hits"] / row["total"])
            assert row["has_structure"]
        assert f"head {layer + 1}-{head + 1}" in browser.ranking_note
    frame = browser.rank_proteins()
    assert list(frame["protein"][: len(browser.ranking)]) == [row["protein"] for row in browser.ranking]


def test_switching_feature_recomputes_grid_and_ranking(result):
    browser = result.browse("contact")
    browser.feature = "paratope"
    acc = result["paratope"]
    assert browser._values == float32_bytes(acc.share)
    assert {row["protein"] for row in browser.ranking} <= set(acc.protein_counts.proteins)
    with pytest.raises(InvalidOptionError, match="no feature 'nope'"):
        browser.feature = "nope"
    assert browser.feature == "paratope"


def test_bad_heads_are_clear_errors(result):
    browser = result.browse("contact", layer=2, head=3)
    assert (browser.layer, browser.head) == (2, 3)
    for name, value in (("layer", 8), ("head", -1)):
        with pytest.raises(LayerHeadIndexError, match="0-based"):
            setattr(browser, name, value)
    with pytest.raises(TraitError, match="expected an int"):
        browser.layer = 1.5
    assert (browser.layer, browser.head) == (2, 3)


def test_a_protein_click_switches_the_one_explorer_to_it_at_the_head(result, antiberty):
    """The browser makes ONE explorer with itself (a click makes no widget: marimo cannot make one outside a
    running cell); a protein click switches it to that protein at the chosen head, from the cache."""
    browser = result.browse("contact")
    ex = browser.explorer
    assert ex is not None and browser.protein == next(r["protein"] for r in browser.ranking if r["has_structure"])
    assert f"{ex.structure.name}:{ex.chain}" == browser.protein and (ex.layer, ex.head) == (browser.layer, browser.head)
    assert ex.min_total == browser.min_total == result.min_total  # one ranked-head rule on both grids
    browser.layer, browser.head = 1, 6
    assert (ex.layer, ex.head) == (1, 6)
    protein = browser.ranking[-1]["protein"]
    other = next(row["protein"] for row in browser.ranking if row["protein"].split(":")[0] != protein.split(":")[0])
    forward = antiberty.forward_count
    for chosen in (other, protein, other, protein):  # structures switch back and forth; the attention is cached
        browser.protein = chosen
        assert browser.explorer is ex and f"{ex.structure.name}:{ex.chain}" == chosen
        assert (ex.layer, ex.head) == (1, 6) and ex.threshold == result.threshold
        assert ex.structure_view.structure is ex.structure and ex._structure__pa_name == ex.structure.name
        assert ex.residue_ids == list(ex.structure[ex.chain].residue_ids)
    assert antiberty.forward_count - forward <= 2  # each new chain at most once
    browser.layer, browser.head = 3, 2
    assert (ex.layer, ex.head) == (3, 2)
    browser.protein = ""  # hidden in the page; the explorer stays for the next protein
    assert browser.explorer is ex
    separate = browser.explorer_of(other)
    assert separate is not ex and f"{separate.structure.name}:{separate.chain}" == other
    separate.close()
    browser.close()
    assert browser.explorer is None


def test_a_loaded_result_needs_the_dataset_to_open_proteins(result, records, tmp_path, antiberty):
    result.save(tmp_path / "saved")
    loaded = analysis.AnalysisResult.load(tmp_path / "saved")
    browser = loaded.browse("contact")
    assert browser.ranking and not any(row["has_structure"] for row in browser.ranking)
    with pytest.raises(InvalidOptionError, match="pass dataset="):
        browser.protein = browser.ranking[0]["protein"]
    with pytest.raises(InvalidOptionError, match="not in this result"):
        loaded.browse("contact", dataset=records).protein = "9xyz:A"
    opened = loaded.browse("contact", dataset=records, model=antiberty)
    assert opened.explorer is not None
    opened.protein = opened.ranking[-1]["protein"]
    assert f"{opened.explorer.structure.name}:{opened.explorer.chain}" == opened.ranking[-1]["protein"]


def test_protein_ranking_limits_rows(result):
    acc = result["contact"]
    rows = protein_ranking(acc, 0, 0, max_rows=1)
    assert len(rows) <= 1
