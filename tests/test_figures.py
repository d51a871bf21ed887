"""Figures of real AntiBERTy attention on antibody D1.3 (1vfb heavy chain B)."""

from __future__ import annotations

import dataclasses
import io
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import protattn_widgets as paw
from protattn_widgets.analysis import contact_accumulator
from protattn_widgets.figures import (
    FIGURE_FORMATS,
    attention_matrix,
    head_figure,
    head_statistic_heatmap,
    save_figure,
    structure_edges_3d,
)

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def heavy():
    return paw.load_structure(paw.example_path("1vfb_complex"))["B"]


@pytest.fixture(scope="module")
def attention(antiberty, heavy):
    return antiberty.attention(heavy)


def _render(fig: Figure) -> bytes:
    """Draw the whole figure, turning any layout warning into a failure."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(buffer, format="png", dpi=60)
    return buffer.getvalue()


def _by_gid(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection {gid!r}, found {len(found)}"
    return found[0]


def _labels(ticks) -> list[str]:
    return [t.get_text() for t in ticks]


# --------------------------------------------------------------------------- heatmap


def test_heatmap_of_real_contact_share(attention, heavy):
    stats = contact_accumulator(attention, heavy, threshold=0.3, min_total=20)
    fig = head_statistic_heatmap(stats.share, title="contacts", background=stats.background,
                                 totals=stats.total, min_total=20)
    _render(fig)
    grid, bars = fig.axes[0], fig.axes[1]
    np.testing.assert_allclose(grid.images[0].get_array().filled(np.nan), stats.share.filled(np.nan))
    # One bar per layer, as long as that layer's best unmasked head.
    widths = np.array([p.get_width() for p in bars.patches])
    np.testing.assert_allclose(widths, stats.share.max(axis=1).filled(0.0))
    # The background is a vertical line on the bar chart, at the background rate.
    assert any(np.allclose(line.get_xdata(), stats.background) for line in bars.lines)
    masked = int(stats.share.mask.sum())
    assert masked > 0, "1vfb B at threshold 0.3 has heads with < 20 strong edges"
    assert len(_by_gid(grid, "masked-heads").get_paths()) == masked
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "< 20 strong edges" in legend and "background" in legend


@pytest.mark.parametrize("shape", [(33, 20), (12, 12), (30, 16), (8, 8), (1, 3)])
def test_heatmap_layout_follows_the_array(shape):
    rng = np.random.default_rng(sum(shape))
    share = np.ma.masked_array(rng.uniform(0, 0.6, shape), mask=rng.random(shape) < 0.15)
    fig = head_statistic_heatmap(share, title=f"synthetic {shape}", background=0.2)
    _render(fig)
    grid = fig.axes[0]
    n_layers, n_heads = shape
    layers, heads = _labels(grid.get_yticklabels()), _labels(grid.get_xticklabels())
    assert layers[0] == "1" and layers[-1] == str(n_layers)
    assert heads[0] == "1" and heads[-1] == str(n_heads)
    assert len(fig.axes[1].patches) == n_layers
    # Cells stay roughly square whatever the grid: the layout is derived, not hard-coded.
    width, height = fig.get_size_inches()
    assert 3 < width < 16 and 2 < height < 14


def test_heatmap_thins_ticks_of_deep_models_but_keeps_first_and_last():
    share = np.ma.masked_array(np.linspace(0, 1, 48 * 40).reshape(48, 40))
    fig = head_statistic_heatmap(share, title="deep")
    _render(fig)
    layers = _labels(fig.axes[0].get_yticklabels())
    assert layers[0] == "1" and layers[-1] == "48" and len(layers) < 48


def test_heatmap_rejects_a_non_grid():
    with pytest.raises(ValueError, match="n_layers, n_heads"):
        head_statistic_heatmap(np.zeros(8), title="flat")


# --------------------------------------------------------------------------- matrix


def test_attention_matrix_shows_the_head_and_its_contacts(attention, heavy):
    contacts = heavy.contact_map()
    fig = attention_matrix(attention, 2, 4, contacts=contacts)
    _render(fig)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), attention.head(2, 4))
    assert ax.get_title() == "AntiBERTy 3-5 · 1vfb_complex:B"
    offsets = _by_gid(ax, "contacts").get_offsets()
    assert len(offsets) == contacts.sum()
    # Circles sit on contacts: x is the attended-to residue j, y the attending residue i.
    j, i = offsets[:, 0].astype(int), offsets[:, 1].astype(int)
    assert contacts[i, j].all()
    ticks = _labels(ax.get_xticklabels())
    assert 5 <= len(ticks) <= 12
    assert set(ticks) <= set(heavy.residue_ids) and ticks[0] == heavy.residue_ids[0]


def test_attention_matrix_labels_heads_one_based(attention):
    fig = attention_matrix(attention, 0, 0)
    assert fig.axes[0].get_title().startswith("AntiBERTy 1-1 ")
    with pytest.raises(paw.LayerHeadIndexError, match="1..8"):
        attention_matrix(attention, 8, 0)


# --------------------------------------------------------------------------- 3D


def test_structure_edges_draw_the_strongest_edges_by_weight(attention, heavy):
    fig = structure_edges_3d(attention, heavy, 1, 6, top_k=30)
    _render(fig)
    ax = fig.axes[0]
    assert ax.name == "3d"
    edges = _by_gid(ax, "attention-edges")
    widths = np.asarray(edges.get_linewidths())
    assert len(widths) == 30
    # Drawn weakest first, so widths (which grow with weight) never shrink.
    assert np.all(np.diff(widths) >= -1e-9) and widths[-1] > widths[0]
    assert len(_by_gid(ax, "ca-trace").get_linewidths()) >= 1
    assert "2-7" in fig.texts[0].get_text()  # the title is the figure's (the 3D axes overhang it)
    # One scale on all three axes: the box's sides are in the ratio of the axis ranges.
    spans = np.array([np.ptp(lim) for lim in (ax.get_xlim(), ax.get_ylim(), ax.get_zlim())])
    box = np.asarray(ax.get_box_aspect())
    np.testing.assert_allclose(box / box[0], spans / spans[0], rtol=1e-6)


def test_structure_figure_tells_contacts_depth_and_names_the_hub(attention, heavy):
    fig = structure_edges_3d(attention, heavy, 1, 6, top_k=30)
    _render(fig)
    ax = fig.axes[0]
    edges = _by_gid(ax, "attention-edges")
    strongest = attention.edges(1, 6, threshold=0.0, mode="max")[:30]
    order = np.argsort(strongest.weights, kind="stable")  # drawn weakest first
    i, j = strongest.i[order], strongest.j[order]
    in_contact = heavy.contact_map()[i, j]
    dashed = np.array([style[1] is not None for style in edges.get_linestyles()])
    assert len(dashed) == 30 and (dashed == ~in_contact).all()  # contacts solid, others dashed
    assert 0 < in_contact.sum() < 30, "pick a head with both kinds of edges"
    assert f"{int(in_contact.sum())} in 3D contact" in fig.texts[0].get_text()
    # Depth cue: the trace is darker (and wider) where it is nearer the viewer.
    trace = _by_gid(ax, "ca-trace")
    grey, widths = np.asarray(trace.get_colors())[:, 0], np.asarray(trace.get_linewidths())
    assert np.ptp(grey) > 0.3 and np.corrcoef(grey, widths)[0, 1] < -0.99
    # The hub (the residue in most of the top edges) is named, on a box that stays readable.
    labels = [t for t in ax.texts if t.get_gid() == "residue-label"]
    hub = int(np.bincount(strongest.pairs.ravel()).argmax())
    assert f"{heavy.residue_names[hub].title()}{heavy.residue_ids[hub]}" in {t.get_text() for t in labels}
    assert all(t.get_bbox_patch() is not None and t.get_zorder() > edges.get_zorder() for t in labels)
    assert 1 <= len(labels) <= 4
    # Tight: the CA trace fills most of the figure (the old one left ~40 % empty).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from mpl_toolkits.mplot3d import proj3d

    FigureCanvasAgg(fig).draw()
    points = np.concatenate(trace.get_segments()) if hasattr(trace, "get_segments") else None
    x, y, _ = proj3d.proj_transform(*np.asarray(trace._segments3d).reshape(-1, 3).T, ax.get_proj())
    px = ax.transData.transform(np.c_[x, y])
    w, h = fig.get_size_inches() * fig.dpi
    assert np.ptp(px[:, 0]) > 0.7 * w and np.ptp(px[:, 1]) > 0.6 * h, (np.ptp(px, axis=0), w, h)
    assert points is not None


def test_structure_edges_threshold_limits_the_edges(attention, heavy):
    strong = attention.edges(1, 6, threshold=0.5, mode="max")
    fig = structure_edges_3d(attention, heavy, 1, 6, top_k=1000, threshold=0.5)
    assert len(_by_gid(fig.axes[0], "attention-edges").get_linewidths()) == len(strong)


def test_structure_edges_skip_residues_without_ca(attention, heavy):
    strongest = attention.edges(1, 6, threshold=0.0, mode="max")[:30]
    hub = int(np.bincount(strongest.pairs.ravel()).argmax())  # in most top edges
    touching = int((strongest.pairs == hub).any(axis=1).sum())
    ca = heavy.ca.copy()
    ca[hub] = np.nan
    broken = dataclasses.replace(heavy, ca=ca)
    assert touching > 0
    fig = structure_edges_3d(attention, broken, 1, 6, top_k=30)
    _render(fig)
    # the edges touching the CA-less residue are skipped, and the next strongest drawn instead
    segments = _by_gid(fig.axes[0], "attention-edges")
    assert len(segments.get_linewidths()) == 30
    assert np.isfinite(np.asarray(segments.get_segments())).all()


def test_structure_edges_follow_the_edge_mode(attention, heavy):
    directed = attention.edges(1, 6, threshold=0.3, mode="directed")
    fig = structure_edges_3d(attention, heavy, 1, 6, top_k=500, threshold=0.3, mode="directed")
    assert len(_by_gid(fig.axes[0], "attention-edges").get_linewidths()) == len(directed)


def test_structure_edges_refuse_another_chains_attention(antiberty, attention):
    light = paw.load_structure(paw.example_path("1vfb_complex"))["A"]
    with pytest.raises(paw.AttentionMismatchError, match="not of chain .A. of 1vfb_complex"):
        structure_edges_3d(attention, light, 0, 0)


# --------------------------------------------------------------------------- combined + saving


def test_head_figure_puts_matrix_and_structure_side_by_side(attention, heavy):
    fig = head_figure(attention, heavy, 2, 4, top_k=20)
    _render(fig)
    names = [ax.name for ax in fig.axes]
    assert names.count("3d") == 1 and "rectilinear" in names
    assert fig.get_suptitle() == "AntiBERTy 3-5 · 1vfb_complex:B"
    matrix_ax = next(ax for ax in fig.axes if ax.images)
    assert len(_by_gid(matrix_ax, "contacts").get_offsets()) == heavy.contact_map().sum()


@pytest.mark.parametrize("suffix", list(FIGURE_FORMATS))
def test_save_figure_writes_valid_files(tmp_path, attention, heavy, suffix):
    path = save_figure(head_figure(attention, heavy, 2, 4), tmp_path / "sub" / f"head{suffix}")
    data = path.read_bytes()
    assert len(data) > 20_000
    if suffix == ".svg":
        assert b"<svg" in data[:2000] and b"attention-edges" in data
    else:
        assert data.startswith(MAGIC[suffix])


def test_save_figure_refuses_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf"):
        save_figure(Figure(), tmp_path / "head.jpg")
    assert not (tmp_path / "head.jpg").exists()


def test_figures_leave_pyplot_alone(attention, heavy):
    before = plt.get_fignums()
    head_figure(attention, heavy, 0, 0)
    head_statistic_heatmap(np.ma.masked_array(np.ones((2, 2))), title="x")
    assert plt.get_fignums() == before


def test_the_old_chain_first_order_still_works_with_a_future_warning_at_the_callers_line(attention, heavy):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = head_figure(heavy, attention, 2, 4, top_k=20)
    [warning] = [w for w in caught if issubclass(w.category, FutureWarning)]
    assert "head_figure(attention, chain, ...)" in str(warning.message) and warning.filename == __file__
    assert old.get_suptitle() == head_figure(attention, heavy, 2, 4, top_k=20).get_suptitle()
    with pytest.raises(paw.InvalidOptionError, match=r"takes \(attention, chain"):
        structure_edges_3d(heavy, heavy, 0, 0)
