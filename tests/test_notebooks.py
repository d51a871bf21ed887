"""The tutorial notebooks run top to bottom in a fresh kernel, and are committed without outputs.

Each notebook is executed headlessly with nbclient, in a copy under a temporary folder (so that
what it writes, e.g. ``output/``, never lands in the repository).  The kernel is the Python
running these tests, with the repository root first on its ``PYTHONPATH``: that works with an
editable install (CI) and with a bare checkout alike.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_quickstart.ipynb", "02_provis_demos.ipynb", "03_figures.ipynb"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT_S = 300
KERNEL = "protattn-test"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A kernelspec folder: this interpreter, the repository importable, plots inline, hub offline."""
    kernels = tmp_path_factory.mktemp("kernels")
    spec = kernels / KERNEL
    spec.mkdir()
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "protattn-widgets tests",
        "language": "python",
        "env": {"PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1",
                # conftest sets Agg for the test process; a notebook kernel plots inline, as in Jupyter
                "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }))
    return kernels


def execute(name: str, kernel_dir: Path, workdir: Path, extra_code: str | None = None) -> nbformat.NotebookNode:
    """Run a copy of notebook ``name`` in ``workdir``; fail with the failing cell's error."""
    shutil.copy(NOTEBOOKS / name, workdir / name)
    nb = nbformat.read(workdir / name, as_version=4)
    if extra_code is not None:  # read back numbers the notebook's text quotes
        nb.cells.append(nbformat.v4.new_code_cell(extra_code))
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT_S, allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{name}: a cell raised\n{error}", pytrace=False)
    return nb


def outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def text_of(nb) -> str:
    parts = []
    for out in outputs(nb):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "text/plain" in out.get("data", {}):
            parts.append(out.data["text/plain"])
    return "\n".join(parts)


# -- prose against outputs ----------------------------------------------------------------------
#
# Every "N of M", percentage and head label a markdown cell states must be shown by the executed
# outputs (printed, or in a displayed table), so that the text cannot drift from the computation.

_N_OF_M = re.compile(r"\b(\d+) of (?:the |its |their )?(\d+)\b")
_PERCENT_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[–-]\s*(\d+(?:\.\d+)?)\s?%")
_PERCENT = re.compile(r"(?<![\d.–-])(\d+(?:\.\d+)?)\s?%(?!\s*(?:CI|confidence|Clopper))")  # not "95 % CI"
_HEAD_LABEL = re.compile(r"(?:\*\*|\b[Hh]eads?\s+(?:\*\*)?)(\d{1,2}-\d{1,2})\b(?!\s*[%Å])")


def _shown_text(nb) -> str:
    parts = [text_of(nb)]
    parts += [out.data["text/html"] for out in outputs(nb) if "text/html" in out.get("data", {})]
    return "\n".join(parts)


def _percent_values(text: str) -> list[tuple[float, int]]:
    """Each percentage shown, as (value, decimals).  Shares in tables (0.333) do not count: a
    table is full of numbers, and one of them would round to almost any percentage."""
    return [(float(v), len(v.partition(".")[2])) for v in re.findall(r"(\d+(?:\.\d+)?)\s?%", text)]


def _has_percent(value: str, shown: list[tuple[float, int]]) -> bool:
    """A prose percentage is backed when a shown value rounds to it at the prose's precision."""
    decimals = len(value.partition(".")[2])
    return any(round(v, decimals) == float(value) and d >= decimals for v, d in shown)


def unbacked_claims(nb) -> list[str]:
    """The "N of M", percentages and head labels of markdown cells that no output shows."""
    shown = _shown_text(nb)
    pairs = {(int(n), int(m)) for n, m in re.findall(r"\b(\d+)\s*(?:of|/)\s*(?:the |its )?(\d+)\b", shown)}
    percents = _percent_values(shown)
    labels = set(re.findall(r"(?<![\d.])(\d{1,2}-\d{1,2})(?![\d])", shown))
    missing = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        for n, m in _N_OF_M.findall(text):
            if (int(n), int(m)) not in pairs:
                missing.append(f"cell {index}: '{n} of {m}'")
        for low, high in _PERCENT_RANGE.findall(text):
            for value in (low, high):
                if not _has_percent(value, percents):
                    missing.append(f"cell {index}: '{value} %' (in '{low}–{high} %')")
        for value in _PERCENT.findall(_PERCENT_RANGE.sub("", text)):
            if not _has_percent(value, percents):
                missing.append(f"cell {index}: '{value} %'")
        for label in _HEAD_LABEL.findall(text):
            if label not in labels:
                missing.append(f"cell {index}: head '{label}'")
    return missing


def _markdown_and_output(prose: str, printed: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    nb.cells = [nbformat.v4.new_markdown_cell(prose), code]
    return nb


def test_prose_checker_catches_what_issue_20_found():
    """Notebook 02's text said 35 %, 9 of 26; its cell showed 0.333 and 9/27."""
    nb = _markdown_and_output("The runner-up, **1-6** (35 %, 9 of 26), past Bonferroni.",
                              "head 1-6: 33% of 27 strong edges; hits 9/27, share 0.333")
    assert unbacked_claims(nb) == ["cell 0: '9 of 26'", "cell 0: '35 %'"]
    fixed = _markdown_and_output("The runner-up, **1-6** (33 %, 9 of 27).", "head 1-6: 9 of 27 (33.3%)")
    assert unbacked_claims(fixed) == []
    wrong_head = _markdown_and_output("The best head is **3-3**. Head\n4-8 too.", "best head 2-7")
    assert unbacked_claims(wrong_head) == ["cell 0: head '3-3'", "cell 0: head '4-8'"]
    # a range's both ends, and a value more precise than what is shown, are checked too
    assert unbacked_claims(_markdown_and_output("95 % CI 32–84 %", "CI 32%-85%")) == ["cell 0: '84 %' (in '32–84 %')"]
    assert unbacked_claims(_markdown_and_output("15.4 %", "15%")) == ["cell 0: '15.4 %'"]


def assert_prose_backed(name: str, nb) -> None:
    missing = unbacked_claims(nb)
    assert not missing, (f"{name}: the markdown states numbers or heads that no output shows (compute and "
                         f"print them, or correct the text): " + "; ".join(missing))


# -- committed notebooks ------------------------------------------------------------------------


def test_the_notebooks_folder_holds_the_three_tutorials():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_valid_and_has_no_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"{name}: code cells {dirty} have outputs or execution counts; clear them before "
                       f"committing (jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)")


# -- executed notebooks -------------------------------------------------------------------------


def test_quickstart_shows_the_explorer_and_reads_the_selection(kernel_dir, tmp_path):
    nb = execute("01_quickstart.ipynb", kernel_dir, tmp_path)
    assert_prose_backed("01_quickstart.ipynb", nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert len(code) == 5
    shown = [out for out in outputs(nb) if WIDGET_VIEW in out.get("data", {})]
    assert shown, "the quickstart displays no widget"
    assert all(out.data[WIDGET_VIEW]["model_id"] for out in shown)
    text = text_of(nb)
    assert "'2-7'" in text  # ex.layer, ex.head = 1, 6 is head "2-7"
    # Head 2-7 of the heavy chain gathers nearly all its strong attention on Met50.
    assert "selected: MET 50 (index 49); 26 of the 27 edges >= 0.3 of head 2-7" in text


PROVIS_FACTS = """
import json
print("FACTS" + json.dumps({
    "inhibitor_best": inhibitor.top_heads(1).label.iloc[0],
    "inhibitor_best_counts": [int(inhibitor.top_heads(1).hits.iloc[0]), int(inhibitor.top_heads(1).total.iloc[0])],
    "inhibitor_background": round(float(inhibitor.background), 3),
    "any_site_best": any_site.top_heads(1).label.iloc[0],
    "contact_best": contacts.top_heads(1).label.iloc[0],
    "contact_best_counts": [int(contacts.top_heads(1).hits.iloc[0]), int(contacts.top_heads(1).total.iloc[0])],
    "contact_significant": int(contacts.top_heads(None).significant.sum()),
    "crambin_best_counts": [int(crambin_contacts.top_heads(1).hits.iloc[0]),
                            int(crambin_contacts.top_heads(1).total.iloc[0])],
    "head_2_7": [[int(a.hits[1, 6]), int(a.total[1, 6])] for a in (antibody, contacts)],
    "grid_layer_head": [grid.layer, grid.head],
    "explorer_layer_head": [hiv_explorer.layer, hiv_explorer.head],
}))
"""


def test_provis_demos_find_the_heads_the_text_describes(kernel_dir, tmp_path):
    nb = execute("02_provis_demos.ipynb", kernel_dir, tmp_path, extra_code=PROVIS_FACTS)
    assert_prose_backed("02_provis_demos.ipynb", nb)
    shown = [out for out in outputs(nb) if WIDGET_VIEW in out.get("data", {})]
    assert len(shown) >= 3  # binding-site head grid, HIV explorer, ubiquitin explorer
    facts = json.loads(text_of(nb).split("FACTS", 1)[1].splitlines()[0])
    # The markdown quotes these numbers; if the model's attention changes, the text must too.
    assert facts["inhibitor_best"] == "4-8" and facts["inhibitor_best_counts"] == [9, 15]
    assert facts["inhibitor_background"] == pytest.approx(0.101)
    assert facts["any_site_best"] == "1-8"
    assert facts["contact_best"] == "3-3" and facts["contact_best_counts"] == [4, 23]
    assert facts["contact_significant"] == 0
    assert facts["crambin_best_counts"] == [2, 19]
    assert facts["head_2_7"] == [[4, 28], [0, 6]]
    assert facts["grid_layer_head"] == facts["explorer_layer_head"] == [3, 7]


MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


def test_figures_notebook_writes_valid_files(kernel_dir, tmp_path):
    nb = execute("03_figures.ipynb", kernel_dir, tmp_path)
    assert_prose_backed("03_figures.ipynb", nb)
    written = {p.name: p for p in (tmp_path / "output").iterdir()}
    expected = {f"explorer_head_2-7.{s}" for s in ("png", "svg", "pdf")} | {
        f"contact_heads.{s}" for s in ("png", "svg", "pdf")} | {
        "head_2-7.svg", "matrix_2-7.png", "explorer_head_2-7.html"}
    assert expected <= set(written), f"missing: {sorted(expected - set(written))}"
    for name, path in written.items():
        data = path.read_bytes()
        assert len(data) > 1000, name
        if path.suffix in MAGIC:
            assert data.startswith(MAGIC[path.suffix]), name
        elif path.suffix == ".svg":
            assert b"<svg" in data[:2000] and data.rstrip().endswith(b"</svg>"), name
    page = written["explorer_head_2-7.html"].read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert 'id="protattn-data"' in page  # the data is inlined ...
    assert not re.search(r"<script[^>]+src=[\"']https?:", page)  # ... and so is the code: it opens offline
    # The figures are shown inline too, not as "<Figure size ...>".
    assert sum("image/png" in out.get("data", {}) for out in outputs(nb)) >= 2
    assert any(WIDGET_VIEW in out.get("data", {}) for out in outputs(nb))
