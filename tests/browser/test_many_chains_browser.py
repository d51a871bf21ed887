"""A 500-chain complex in the explorer, in a real JupyterLab (issue 23, "also seen"): the 3D view's
chain legend lists a few chains and says how many it does not list, and does not cover the 3D
caption.

The complex is a real mmCIF file written by Biopython (the format that allows 500 chain ids):
the heavy chain of 1VFB (the explored chain) and 499 four-residue peptides cut from its
lysozyme antigen, set out on a grid beside it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from browser_harness import LabPage, screenshot_path

N_CHAINS = 500
NGL_VIEW = "() => document.querySelector('[data-testid=view-structure]')"


def write_many_chains(path: Path, n_chains: int = N_CHAINS) -> Path:
    """1VFB's heavy chain B plus ``n_chains - 1`` peptide chains P0, P1, ... as mmCIF."""
    from Bio.PDB import MMCIFIO, PDBParser
    from Bio.PDB.Chain import Chain
    from Bio.PDB.Model import Model
    from Bio.PDB.Structure import Structure

    import protattn_widgets as paw

    source = PDBParser(QUIET=True).get_structure("1vfb", str(paw.example_path("1vfb_complex")))[0]
    model = Model(0)
    model.add(source["B"].copy())
    peptide = list(source["C"])[:4]
    for i in range(n_chains - 1):
        chain = Chain(f"P{i}")
        shift = np.array([60.0 + 12 * (i % 20), 12.0 * (i // 20), 0.0], dtype=np.float32)
        for residue in peptide:
            copy = residue.copy()
            copy.detach_parent()
            for atom in copy:
                atom.set_coord(atom.get_coord() + shift)
            chain.add(copy)
        model.add(chain)
    structure = Structure("many_chains")
    structure.add(model)
    writer = MMCIFIO()
    writer.set_structure(structure)
    writer.save(str(path))
    return path


@pytest.fixture(scope="module")
def lab(jupyter_server, browser):
    path = write_many_chains(jupyter_server.root / "many_chains.cif")
    cells = [
        "import warnings\nimport protattn_widgets as paw\nfrom protattn_widgets.widgets.explorer import AttentionExplorer\n"
        f"structure = paw.load_structure({str(path)!r})\nprint(len(structure.chain_ids))\n"
        "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
        "    ex = AttentionExplorer(structure, model='antiberty', chain='B', layer=3, head=5, threshold=0.3)\nex",
    ]
    page = LabPage(jupyter_server, browser, "many_chains.ipynb", cells, viewport={"width": 1366, "height": 900})
    try:
        page.run_all(timeout_s=400)
        page.wait_for_ngl_view(NGL_VIEW, timeout_ms=240_000)
        yield page
    finally:
        page.close()


def test_the_chain_legend_is_capped_and_does_not_cover_the_caption(lab):
    assert lab.run_python("print(len(ex.structure.chain_ids))").strip() == str(N_CHAINS)
    legend = lab.page.locator("[data-testid=view-structure] [data-testid=structure-chain-legend]").first
    lines = legend.locator(".protattn-chain").all_inner_texts()
    listed = [line for line in lines if "more chain" not in line]
    assert 1 <= len(listed) <= 8 and listed[0].startswith("B"), lines
    assert lines[-1] == f"+ {N_CHAINS - len(listed)} more chains not listed", lines
    caption = lab.page.locator("[data-testid=view-structure] [data-testid=structure-caption]").first
    assert "edge" in caption.inner_text()
    legend_box, caption_box = legend.bounding_box(), caption.bounding_box()
    view = lab.page.locator("[data-testid=view-structure]").first.bounding_box()
    intersect = not (legend_box["y"] + legend_box["height"] <= caption_box["y"]
                     or caption_box["y"] + caption_box["height"] <= legend_box["y"]
                     or legend_box["x"] + legend_box["width"] <= caption_box["x"]
                     or caption_box["x"] + caption_box["width"] <= legend_box["x"])
    assert not intersect, (legend_box, caption_box)
    # Both inside the 3D box, and the legend leaves most of it to the structure.
    for b in (legend_box, caption_box):
        assert view["y"] <= b["y"] and b["y"] + b["height"] <= view["y"] + view["height"] + 1, (b, view)
    assert legend_box["height"] < 0.6 * view["height"], (legend_box, view)
    view_element = lab.page.locator("[data-testid=view-structure]").first
    view_element.scroll_into_view_if_needed()
    state = lab.ngl_summary(NGL_VIEW)
    assert state["edges"] > 0 and state["mappedResidues"] == int(lab.run_python("print(len(ex.chain_obj))")), state
    lab.page.evaluate(f"() => ({NGL_VIEW})().protattn.stage.viewer.requestRender()")
    lab.wait_for_ngl_frame(NGL_VIEW)
    view_element.screenshot(path=str(screenshot_path("many_chains_legend.png")))
