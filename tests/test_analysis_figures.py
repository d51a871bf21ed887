"""Analysis figures render for any model size, with 1-based layers."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from protattn_widgets.analysis.contact_prediction import precision_at
from protattn_widgets.analysis_figures import (
    blosum_correlation_figure,
    center_of_gravity_figure,
    contact_precision_figure,
    probing_figure,
    save_figure,
)

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"


def _tick_labels(ax, axis="x"):
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def test_blosum_correlation_figure_shows_both_matrices_and_r(tmp_path):
    rng = np.random.default_rng(0)
    similarity = np.corrcoef(rng.random((20, 30)))
    np.fill_diagonal(similarity, np.nan)
    blosum = rng.integers(-4, 12, (20, 20)).astype(float)
    fig = blosum_correlation_figure(similarity, blosum, AMINO_ACIDS, 0.42, title="AntiBERTy")
    assert isinstance(fig, Figure)
    assert "r = 0.42" in fig._suptitle.get_text()
    assert _tick_labels(fig.axes[0]) == list(AMINO_ACIDS)
    assert save_figure(fig, tmp_path / "blosum.png").stat().st_size > 0
    with pytest.raises(ValueError, match="20"):
        blosum_correlation_figure(similarity[:5, :5], blosum, AMINO_ACIDS, 0.1)


@pytest.mark.parametrize("n_layers", [8, 33])
def test_center_of_gravity_figure_uses_a_one_based_layer_axis(n_layers, tmp_path):
    centers = {"contact": n_layers * 0.7, "binding_site": n_layers * 0.9, "helix": 2.0, "ptm": float("nan")}
    fig = center_of_gravity_figure(centers, n_layers, title="centres")
    ax = fig.axes[0]
    labels = _tick_labels(ax)
    assert labels[0] == "1" and labels[-1] == str(n_layers)
    assert ax.get_xlim() == (0.5, n_layers + 0.5)
    assert _tick_labels(ax, "y")[0] == "helix" and _tick_labels(ax, "y")[-1] == "ptm (n/a)"
    offsets = ax.collections[-1].get_offsets()
    assert len(offsets) == 3 and offsets[:, 0].min() == 2.0
    save_figure(fig, tmp_path / "cog.svg")


def test_center_of_gravity_figure_names_each_propertys_own_protein_count():
    fig = center_of_gravity_figure({"contact": 4.2, "paratope": 5.5}, 8, proteins={"contact": 13, "paratope": 7})
    assert _tick_labels(fig.axes[0], "y") == ["contact (13 proteins)", "paratope (7 proteins)"]
    assert "13" not in fig.texts[0].get_text()  # no single count in the title


@pytest.mark.parametrize("n_layers", [8, 33])
def test_probing_figure_draws_one_curve_per_probe_from_layer_one(n_layers, tmp_path):
    rng = np.random.default_rng(1)
    scores = {"secondary structure, embedding": rng.random(n_layers),
              "contact, attention": rng.random(n_layers)}
    fig = probing_figure(scores, baseline={"secondary structure, embedding": 0.4}, metric="accuracy")
    ax = fig.axes[0]
    curves = [line for line in ax.get_lines() if line.get_label() in scores]
    assert len(curves) == 2
    np.testing.assert_array_equal(curves[0].get_xdata(), np.arange(1, n_layers + 1))
    assert _tick_labels(ax)[0] == "1" and _tick_labels(ax)[-1] == str(n_layers)
    save_figure(fig, tmp_path / "probing.pdf")


def test_contact_precision_figure_has_a_bar_per_range_and_fraction(tmp_path):
    rng = np.random.default_rng(2)
    length = 60
    scores = rng.random((length, length))
    contacts = rng.random((length, length)) < 0.1
    table = precision_at(scores + scores.T, contacts | contacts.T)
    fig = contact_precision_figure(table)
    ax = fig.axes[0]
    assert len(ax.patches) == 3 * 3
    assert [t.split("\n")[0] for t in _tick_labels(ax)] == ["short", "medium", "long"]
    save_figure(fig, tmp_path / "precision.png")
