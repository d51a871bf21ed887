"""Per-head flags (column, positional, sink): counted, tabled, said in words and marked on the figures."""

from __future__ import annotations

import numpy as np
import pytest

from protattn_widgets import analysis
from protattn_widgets.analysis.concentration import head_evidence
from protattn_widgets.analysis.flags import flag_grid, flag_marks
from protattn_widgets.analysis.sinks import SinkMass


def test_a_planted_next_residue_head_is_flagged_positional_with_its_offset():
    from protattn_widgets.analysis.offsets import OffsetCounts

    length = 40
    values = np.zeros((2, 3, length, length), dtype=np.float32)
    values[0, 1, np.arange(length - 1), np.arange(1, length)] = 0.9  # head 1-2: every query on the next residue
    values[0, 1, 5, 20] = 0.5  # and one elsewhere
    values[1, 0, np.arange(length), 7] = 0.6  # head 2-1: a column, all offsets
    values[1, 2, np.arange(length), np.arange(length)] = 0.4  # head 2-3: itself
    counts = OffsetCounts(2, 3, 50)
    for layer in range(2):
        counts.add_strong(layer, values[layer] >= 0.3)
    assert counts.positional_head.tolist() == [[False, True, False], [False, False, True]]
    assert counts.positional_offset[0, 1] == 1 and counts.positional_offset[1, 2] == 0
    assert counts.positional_share[0, 1] == pytest.approx(39 / 40)
    np.testing.assert_array_equal(counts.total, (values >= 0.3).sum(axis=(2, 3)))
    merged = counts + OffsetCounts(2, 3, 60)  # a shard that saw longer proteins
    np.testing.assert_array_equal(merged.positional_offset, counts.positional_offset)
    np.testing.assert_array_equal(merged.total, counts.total)

    acc = analysis.PropertyAccumulator(2, 3, 0.3, min_total=1, concentration=True)
    acc.offsets = counts
    acc.add(values, np.ones((length, length), dtype=bool))
    flags = acc.top_heads(None).set_index("label")["flags"]
    assert flags["1-2"] == "positional (+1)" and flags["2-3"] == "positional (0)" and flags["2-1"] == "column"



def planted_accumulator():
    """2 x 3 heads on one 40-residue protein: 1-2 next-residue, 2-1 a column, 2-3 itself; 1-1 a sink."""
    length = 40
    values = np.zeros((2, 3, length, length), dtype=np.float32)
    values[0, 1, np.arange(length - 1), np.arange(1, length)] = 0.9
    values[1, 0, np.arange(length), 7] = 0.6
    values[1, 2, np.arange(length), np.arange(length)] = 0.4
    values[0, 0, :, :3] = 0.1
    acc = analysis.PropertyAccumulator(2, 3, 0.3, min_total=1, concentration=True)
    acc.offsets = analysis.OffsetCounts(2, 3, length)
    mass = np.full((2, 3, length), 0.1, dtype=np.float32)
    mass[0, 0] = 0.7
    acc.sinks = SinkMass(2, 3).add(mass)
    return acc.add(values, np.ones((length, length), dtype=bool))


def test_flags_in_the_table_the_grid_the_tooltip_and_the_marks():
    acc = planted_accumulator()
    grid = flag_grid(acc)
    assert grid["sink"].tolist() == [[True, False, False], [False, False, False]]
    assert grid["column"][1, 0] and grid["positional"][0, 1] and grid["positional_offset"][0, 1] == 1
    table = acc.top_heads(None).set_index("label")
    assert table.loc["1-2", "flags"] == "positional (+1)" and table.loc["2-1", "flags"] == "column"
    assert table.loc["1-2", "special_token_mass"] == pytest.approx(0.1)
    marks = flag_marks(acc)
    assert marks[0, 1] == "P+1" and marks[1, 0] == "C" and marks[1, 2] == "P0" and marks[0, 0] == "S"
    assert "positional head (+1: 100 % of strong edges)" in head_evidence(acc, acc.concentration, 0, 1)
    assert "sink head (70 % of attention on special tokens)" in head_evidence(acc, acc.concentration, 0, 0)


def test_the_heatmap_outlines_and_marks_each_flagged_unmasked_cell():
    from protattn_widgets.figures import head_statistic_heatmap

    acc = planted_accumulator()
    marks = flag_marks(acc)
    figure = head_statistic_heatmap(acc.share, title="t", totals=acc.total, min_total=1, marks=marks,
                                    marks_label="flagged")
    ax = figure.axes[0]
    outlined = [c for c in ax.collections if c.get_gid() == "flagged-heads"]
    flagged = (marks != "") & ~np.ma.getmaskarray(acc.share)
    assert flagged.sum() >= 3 and len(outlined) == 1 and len(outlined[0].get_paths()) == flagged.sum()
    drawn = {t.get_text() for t in ax.texts}
    expected = {str(m) for m, masked in zip(marks.ravel(), acc.share.mask.ravel()) if m and not masked}
    assert expected and expected <= drawn


def test_report_tables_summary_and_figures_carry_the_flags(antiberty, tmp_path):
    import json

    import pandas as pd

    from protattn_widgets.analysis.report import write_report

    records = analysis.antibody_dataset(["1vfb_complex"])
    result = analysis.analyze(antiberty, records, ["contact"], min_total=20, progress=False)
    write_report(result, tmp_path / "r")
    heads = pd.read_csv(tmp_path / "r" / "heads.csv", keep_default_na=False)
    assert {"flags", "column_head", "positional_head", "positional_offset"} <= set(heads.columns)
    expected = result["contact"].top_heads(None)["flags"].tolist()
    assert heads["flags"].tolist() == expected and any(expected)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())["features"]["contact"]
    ranked = result["contact"].total >= 20
    assert summary["positional_heads"] == int((result.offsets.positional_head & ranked).sum())
    assert summary["column_heads"] == int((result["contact"].concentration.column_head & ranked).sum())
    assert summary["sink_heads"] == int((result.sinks.sink_head & ranked).sum())  # AntiBERTy reports its masses


def test_analyze_counts_special_token_mass_and_flags_sink_heads(antiberty):
    records = analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])
    result = analysis.analyze(antiberty, records, ["contact"], min_total=10, progress=False)
    batched = analysis.analyze(antiberty, records, ["contact"], min_total=10, progress=False, batch_size=2)
    masses = [antiberty.attention(r.chain).special_token_mass for r in records]  # (8, 8, L) each
    expected = sum(m.sum(axis=-1, dtype=np.float64) for m in masses) / sum(m.shape[-1] for m in masses)
    for counted in (result, batched):
        np.testing.assert_allclose(counted.sinks.mean_mass, expected, rtol=1e-5)
        assert counted["contact"].sinks is counted.sinks
    table = result["contact"].top_heads(None).set_index("label")
    np.testing.assert_allclose(table["special_token_mass"], expected.ravel()[table["layer_index"] * 8
                                                                           + table["head_index"]], rtol=1e-5)
    sinks = expected >= 0.5
    assert not sinks.any()  # AntiBERTy sends at most a few % to its special tokens: no sink head (planted: above)
    assert (table["sink_head"] == sinks.ravel()[table["layer_index"] * 8 + table["head_index"]]).all()
    assert (flag_grid(result["contact"])["sink"] == sinks).all()
