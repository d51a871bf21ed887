"""AttentionExplorer.to_html: one self-contained page whose embedded data is the explorer's.

The page itself is driven in Chromium by ``tests/browser/test_standalone_html.py``.
"""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.widgets import standalone
from protattn_widgets.widgets.encoding import dequantize, max_quantization_error, unpack_bits
from protattn_widgets.widgets.explorer import AttentionExplorer
from protattn_widgets.widgets.standalone import StandalonePageError, read_standalone_data


@pytest.fixture(scope="module")
def explorer(antiberty):
    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B", layer=3, head=5,
                           threshold=0.3)
    ex.selected_residue = 31
    return ex


@pytest.fixture(scope="module")
def page(explorer, tmp_path_factory):
    return explorer.to_html(tmp_path_factory.mktemp("page") / "explorer.html")


class _Sources(HTMLParser):
    """Every URL-valued attribute of the page's elements, and its script elements."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        for name in ("src", "href", "data", "srcset", "action"):
            if attrs.get(name):
                self.urls.append((tag, name, attrs[name]))


def test_the_page_loads_nothing_from_the_network(page):
    text = page.read_text(encoding="utf-8")
    parser = _Sources()
    parser.feed(text)
    assert [u for u in parser.urls if "http://" in u[2] or "https://" in u[2] or u[2].startswith("//")] == []
    assert parser.urls == [], "everything is inlined: no element refers to another file"
    assert len(parser.scripts) == 2 and not any("src" in s for s in parser.scripts)
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "require.js", "embed-amd"):
        assert cdn not in text
    assert "application/vnd.jupyter.widget-state+json" not in text, "no ipywidgets embedding"


def test_decoding_the_page_gives_back_the_current_head(explorer, page):
    data = read_standalone_data(page)
    attention, n = explorer.attention, len(explorer.attention)
    assert data["state"] == {"layer": 3, "head": 5, "threshold": 0.3, "mode": "max", "selected_residue": 31}
    assert data["heads"] == "all" and data["embedded_heads"] == list(range(64))
    arrays = data["arrays"]
    assert arrays["matrices"].shape == (64, n, n) and arrays["matrices"].dtype == np.uint8

    k = data["embedded_heads"].index(3 * 8 + 5)
    scale = data["matrix_scales"][k]
    matrix = dequantize(arrays["matrices"][k].tobytes(), scale, (n, n))
    assert np.abs(matrix - attention.head(3, 5)).max() <= max_quantization_error(scale) + 1e-6
    assert arrays["matrices"][k].tobytes() == explorer.heatmap._matrix  # what the notebook's heatmap has

    received = dequantize(arrays["received"][3, 5].tobytes(), data["received_scales"][3 * 8 + 5])
    np.testing.assert_allclose(received, attention.received(3, 5), atol=data["received_scales"][3 * 8 + 5] / 510)
    # The head grid at the current threshold: the notebook's statistic and counts.
    t = data["thresholds"].index(0.3)
    np.testing.assert_array_equal(arrays["grid_values"][t], np.float32(explorer.grid.statistic.filled(np.nan)))
    np.testing.assert_array_equal(arrays["grid_counts"][t], explorer.grid.accumulator.total)
    assert data["thresholds"][0] == 0.0 and data["thresholds"][-1] == 1.0 and len(data["thresholds"]) == 101

    # The explorer's other traits, as the kernel syncs them (the page's front-end is the notebook's).
    traits = data["traits"]
    contacts = unpack_bits(arrays[traits["_heatmap__contacts"]["$array"]].tobytes(), (n, n))
    np.testing.assert_array_equal(contacts, explorer.heatmap.contacts)
    assert traits["residue_ids"] == list(attention.residue_ids)
    assert traits["_sequence_sequence"] == attention.sequence
    assert traits["_structure__pa_residue_keys"] == explorer.structure_view._pa_residue_keys
    assert traits["_structure__pa_structure"].startswith(("ATOM", "HEADER", "REMARK", "CRYST1", "MODEL"))
    assert data["structure"] is True


def test_fewer_heads_make_a_smaller_page(explorer, page, tmp_path):
    sizes = {"all": page.stat().st_size}
    for heads, embedded in (("layer", [24 + h for h in range(8)]), ("current", [29])):
        path = explorer.to_html(tmp_path / f"{heads}.html", heads=heads)
        assert read_standalone_data(path)["embedded_heads"] == embedded
        sizes[heads] = path.stat().st_size
    assert sizes["all"] > sizes["layer"] > sizes["current"]
    with pytest.raises(StandalonePageError, match="heads must be one of"):
        explorer.to_html(tmp_path / "bad.html", heads="some")


def test_a_large_page_warns(explorer, tmp_path, monkeypatch):
    monkeypatch.setattr(standalone, "LARGE_PAGE_BYTES", 1000)
    with pytest.warns(UserWarning, match="heads='layer'"):
        explorer.to_html(tmp_path / "large.html")


def test_a_page_over_the_budget_is_pooled_coarser_until_it_fits(explorer, page, tmp_path, monkeypatch):
    # The budget's effect at a size a test can build: 1VFB B (L = 116) whole is the page above; pooled
    # to 58 cells a side (2 x 2 residues per cell, plus the pairs >= 0.05) it is smaller.
    assert read_standalone_data(page)["block"] == 1
    pooled = standalone.page_data(explorer, "all", cells=58)
    pooled_size = len(standalone.html_page(pooled["title"], "x", {"protattn-data": pooled}).encode("utf-8"))
    assert pooled_size < page.stat().st_size
    monkeypatch.setattr(standalone, "PAGE_BUDGET_BYTES", pooled_size + 1000)
    monkeypatch.setattr(standalone, "LARGE_PAGE_BYTES", 1000)
    with pytest.warns(UserWarning, match=r"pooled to 58 x 58 cells \(2 x 2 residues each\) to keep it under"):
        path = explorer.to_html(tmp_path / "budget.html")
    assert path.stat().st_size <= standalone.PAGE_BUDGET_BYTES
    data = read_standalone_data(path)
    assert data["block"] == 2 and data["arrays"]["matrices"].shape == (64, 58, 58)
    assert data["edge_floor"] == pytest.approx(0.05) and "reduced to 58 x 58 cells" in data["note"]
    k = data["embedded_heads"].index(3 * 8 + 5)
    assert data["arrays"]["matrices"][k].max() == 255  # each pooled head keeps its strongest pair


def test_without_the_structure_view_the_page_has_no_3d(antiberty, tmp_path):
    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B", structure_view=False)
    data = read_standalone_data(ex.to_html(tmp_path / "flat.html"))
    assert data["structure"] is False and data["max_edges"] == 0
    assert not any(name.startswith("_structure_") for name in data["traits"])


def test_reading_something_else_fails_clearly(tmp_path):
    other = tmp_path / "other.html"
    other.write_text("<html><body>hello</body></html>")
    with pytest.raises(StandalonePageError, match="not a protattn standalone page"):
        read_standalone_data(other)


def test_batched_pooling_and_quantisation_match_one_head_at_a_time():
    from protattn_widgets.widgets.encoding import quantize
    from protattn_widgets.widgets.heatmap import block_max

    rng = np.random.default_rng(3)
    heads = (rng.random((4, 23, 23)) ** 6).astype(np.float32)
    heads[2] = 0.0  # a head with nothing to scale by encodes as zeros
    pooled = block_max(heads, 4)
    assert pooled.shape == (4, 6, 6)
    for k in range(4):
        assert np.array_equal(pooled[k], block_max(heads[k], 4))
    scales = standalone._scales(pooled.reshape(4, -1))
    codes = standalone._quantize_heads(pooled, scales)
    for k in range(4):
        expected, scale = quantize(pooled[k])
        assert codes[k].tobytes() == expected and scales[k] == scale
    flat = np.flatnonzero(heads >= 0.05)
    head = flat // (23 * 23)
    per_value = standalone._quantize_heads(heads.reshape(-1)[flat], scales, head)
    for k in range(4):
        assert per_value[head == k].tobytes() == quantize(heads.reshape(4, -1)[k][flat[head == k] % (23 * 23)],
                                                          scales[k])[0]
