"""Each protein's counts per head (result[f].per_protein): the addends of the dataset counts, saved with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protattn_widgets import analysis
from protattn_widgets.analysis.per_protein import ProteinCounts
from protattn_widgets.analysis.report import write_report
from protattn_widgets.errors import InvalidOptionError


@pytest.fixture(scope="module")
def records():
    # 1vfb B and A, 5sv3 C (paratope), 1a0q H and L (no antigen: left out of paratope)
    return analysis.antibody_dataset(["1vfb_complex", "5sv3_complex", "1a0q"])


@pytest.fixture(scope="module")
def result(antiberty, records):
    return analysis.analyze(antiberty, records, ["contact", "paratope", "amino_acid"], min_total=10, progress=False)


def per_head_sums(frame: pd.DataFrame, column: str, shape) -> np.ndarray:
    sums = np.zeros(shape, dtype=np.int64)
    np.add.at(sums, (frame["layer_index"].to_numpy(), frame["head_index"].to_numpy()), frame[column].to_numpy())
    return sums


def test_per_protein_counts_sum_exactly_to_the_dataset_counts(result, records):
    for feature in result:
        acc = result[feature]
        frame = acc.per_protein
        assert list(frame.columns[:8]) == ["protein", "label", "layer", "head", "layer_index", "head_index",
                                           "hits", "total"]
        np.testing.assert_array_equal(per_head_sums(frame, "hits", acc.hits.shape), acc.hits, err_msg=feature)
        np.testing.assert_array_equal(per_head_sums(frame, "total", acc.total.shape), acc.total, err_msg=feature)
        assert frame["protein"].nunique() == acc.proteins
        assert acc.protein_counts.hits.dtype == np.int32 and acc.protein_counts.hits.shape == (acc.proteins, 8, 8)
    assert list(result["contact"].per_protein["protein"].unique()) == [r.id for r in records]
    # paratope: only the chains bound to an antigen, in input order
    assert list(result["paratope"].per_protein["protein"].unique()) == [
        r.id for r in records if "paratope" in r.labels]
    first = result["contact"].per_protein.iloc[0]
    assert tuple(first[["label", "layer", "head", "layer_index", "head_index"]]) == ("1-1", 1, 1, 0, 0)


def test_one_protein_alone_gives_its_row_of_the_dataset(antiberty, result, records):
    alone = analysis.analyze(antiberty, records[2:3], ["contact"], min_total=10, progress=False)
    mine = result["contact"].per_protein
    mine = mine[mine["protein"] == records[2].id].reset_index(drop=True)
    np.testing.assert_array_equal(mine["hits"].to_numpy().reshape(8, 8), alone["contact"].hits)
    np.testing.assert_array_equal(mine["total"].to_numpy().reshape(8, 8), alone["contact"].total)
    # the protein's top residue is the dataset top target of the analysis of it alone
    top = alone["contact"].concentration
    expected = [t.split(" ", 1)[1] if t else "" for t in top.top_target.ravel()]
    assert mine["top_residue"].tolist() == expected
    np.testing.assert_array_equal(mine["top_residue_edges"].to_numpy().reshape(8, 8), top.top_edges)


def test_rank_proteins_of_a_head(result):
    acc = result["contact"]
    ranking = acc.rank_proteins("2-7")
    assert ranking.equals(acc.rank_proteins((1, 6)))
    assert list(ranking["rank"]) == list(range(1, acc.proteins + 1))
    assert (np.diff(ranking["hits"]) <= 0).all()
    assert ranking["hits"].sum() == acc.hits[1, 6] and ranking["total"].sum() == acc.total[1, 6]
    assert ranking["hits_share"].sum() == pytest.approx(1.0)
    with_edges = ranking[ranking["total"] > 0]
    np.testing.assert_allclose(with_edges["share"], with_edges["hits"] / with_edges["total"])
    assert (with_edges["top_residue"] != "").all()
    assert len(acc.rank_proteins("2-7", k=2)) == 2
    for bad in ("9-1", "2_7", (8, 0), "x"):
        with pytest.raises(InvalidOptionError):
            acc.rank_proteins(bad)


def test_per_protein_counts_are_saved_in_the_report_and_load_back(result, tmp_path):
    write_report(result, tmp_path / "report", figures=False)
    loaded = analysis.AnalysisResult.load(tmp_path / "report" / "result")
    for feature in result:
        assert loaded[feature].per_protein.equals(result[feature].per_protein), feature
    np.testing.assert_array_equal(loaded.offsets.counts, result.offsets.counts)
    table = pd.read_csv(tmp_path / "report" / "per_protein.csv", keep_default_na=False)
    contact = table[table["feature"] == "contact"]
    assert (contact["strong_edges"] > 0).all()  # rows without strong edges are left out of the CSV only
    np.testing.assert_array_equal(per_head_sums(contact, "strong_edges_with_property", (8, 8)), result["contact"].hits)
    np.testing.assert_array_equal(per_head_sums(contact, "strong_edges", (8, 8)), result["contact"].total)


def test_protein_counts_merge_in_input_order():
    a, b = ProteinCounts(1, 2), ProteinCounts(1, 2)
    a.add("p2", [[1, 0]], [[2, 0]], position=2)
    b.add("p0", [[0, 1]], [[1, 1]], position=0, top_edges=[[1, 1]], top_index=[[0, 1]], residues=["ALA 1", "GLY 2"])
    merged = a + b
    assert merged.proteins == ["p0", "p2"]
    assert merged.frame()["top_residue"].tolist() == ["ALA 1", "GLY 2", "", ""]
    np.testing.assert_array_equal(merged.hits.sum(axis=0), [[1, 1]])



def test_report_tables_name_their_counts_in_the_views_unit(result, tmp_path):
    """Issue 19 defect 3: the analysis tables count in the unit the head grid and the 3D caption
    use, strong edges i -> j, and say so in their column names (no bare "hits" / "total")."""
    from protattn_widgets.analysis.report import CSV_COLUMNS
    from protattn_widgets.definitions import STRONG_EDGES

    assert STRONG_EDGES == "strong edges i\u2192j"
    assert CSV_COLUMNS == {"hits": "strong_edges_with_property", "total": "strong_edges"}
    write_report(result, tmp_path / "report", figures=False)
    for name in ("top_heads.csv", "heads.csv", "per_protein.csv"):
        table = pd.read_csv(tmp_path / "report" / name, keep_default_na=False)
        assert {"strong_edges", "strong_edges_with_property"} <= set(table.columns), name
        assert not {"hits", "total"} & set(table.columns), name
    top = pd.read_csv(tmp_path / "report" / "heads.csv", keep_default_na=False)
    contact = top[top["feature"] == "contact"]
    acc = result["contact"]
    rows = contact["layer_index"].to_numpy(), contact["head_index"].to_numpy()
    np.testing.assert_array_equal(contact["strong_edges"], acc.total[rows])
    np.testing.assert_array_equal(contact["strong_edges_with_property"], acc.hits[rows])
