"""What StructureAttentionView sends to the browser, in messages and bytes.

Counts every comm message (JSON part + binary buffers) the widgets publish,
for (1) building the view, (2) one head change, against the ways of drawing
the same edges on a user's own ``nglview.NGLWidget``: one
``shape.add("cylinder", ...)`` call per edge, one ``shape.add_buffer("cylinder", ...)``
call with JSON float lists, and ``draw_on_nglview`` (our drawing code, sent as a
script with the head's data).

    python bench/wire_structure_view.py      # also writes bench/results_wire.md

Bytes and message counts do not depend on the machine, only on the package versions (named
in the results file).
"""

from __future__ import annotations

import json
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import comm

import protattn_widgets as paw
from protattn_widgets.attention import Attention
from protattn_widgets.widgets import StructureAttentionView, draw_on_nglview
from protattn_widgets.widgets.nglview_interop import NGLWidget

SENT: list[tuple[int, int]] = []  # (json bytes, buffer bytes) per message
PER_EDGE_MAX = 200
LINES: list[str] = []


def out(line: str) -> None:
    print(line)
    LINES.append(line)


def _record(self, msg_type, data=None, metadata=None, buffers=None, **keys):
    SENT.append((len(json.dumps(data, default=str, separators=(",", ":"))),
                 sum(memoryview(b).nbytes for b in buffers or [])))


comm.DummyComm.publish_msg = _record  # outside a kernel every comm is a DummyComm


def measure(action) -> tuple[int, int, int]:
    SENT.clear()
    action()
    time.sleep(0.5)  # nglview sends queued calls from a thread
    return len(SENT), sum(j for j, _ in SENT), sum(b for _, b in SENT)


def synthetic(length: int, seed: int = 0):
    """A CA-only helix of ``length`` residues and random attention for it."""
    t = np.arange(length)
    xyz = np.column_stack([2.3 * np.cos(t * 1.745), 2.3 * np.sin(t * 1.745), 1.5 * t])
    lines = [f"ATOM  {i + 1:5d}  CA  ALA A{i + 1:4d}    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00           C"
             for i, (x, y, z) in enumerate(xyz)]
    structure = paw.load_structure("\n".join(lines) + "\nEND\n")
    chain = structure["A"]
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((8, 8, length, length)) * 3
    values = np.exp(logits - logits.max(-1, keepdims=True))
    values = (values / values.sum(-1, keepdims=True)).astype(np.float32)
    return structure, Attention(values, chain.sequence, tuple(chain.residue_ids), "synthetic", "A", "helix")


def report(name: str, structure, attention, threshold: float) -> None:
    view = None

    def build():
        nonlocal view
        view = StructureAttentionView(structure, attention, threshold=threshold)

    out(f"\n{name}: L={len(attention)}, threshold={threshold}")
    n, j, b = measure(build)
    esm = len(json.dumps(view._esm)) if isinstance(view._esm, str) else 0
    out(f"  build view                 : {n:5d} messages, {j / 1024:8.1f} KiB JSON, {b / 1024:6.1f} KiB binary"
          f"  (of the JSON, {esm / 1024:.1f} KiB is the bundled front-end module, _esm)")
    n, j, b = measure(lambda: setattr(view, "head", (view.head + 1) % attention.n_heads))
    edges = view.edges
    out(f"  head change (ours)         : {n:5d} messages, {j / 1024:8.2f} KiB JSON, {b / 1024:6.2f} KiB binary"
          f"  [{len(edges)} edges]")

    def users_widget() -> NGLWidget:
        """A user's own nglview widget, as after the browser rendered it (queued calls go out)."""
        widget = NGLWidget()
        widget.loaded = True
        time.sleep(0.3)
        return widget

    user = users_widget()
    ca = np.nan_to_num(view.chain.ca)
    i, j_ = edges[:, 0].astype(int), edges[:, 1].astype(int)

    # Each shape.add is a message and also re-sends nglview's whole replay list (a synced
    # trait), so the bytes grow with the square of the edge count: at most PER_EDGE_MAX edges.
    few = min(len(edges), PER_EDGE_MAX)

    def per_cylinder():
        for a, c, w in zip(ca[i[:few]], ca[j_[:few]], edges[:few, 2]):
            user.shape.add("cylinder", a.tolist(), c.tolist(), [1.0, 0.5, 0.0], float(w))

    n, jj, b = measure(per_cylinder)
    out(f"  nglview shape.add per edge : {n:5d} messages, {jj / 1024:8.1f} KiB JSON"
          + (f" (first {few} edges only: grows with the square of the count)" if few < len(edges) else ""))

    def one_buffer():
        user.shape.add_buffer("cylinder", position1=ca[i].ravel().tolist(), position2=ca[j_].ravel().tolist(),
                              color=np.tile([1.0, 0.5, 0.0], len(edges)).tolist(),
                              radius=edges[:, 2].tolist())

    user = users_widget()
    n, jj, b = measure(one_buffer)
    out(f"  nglview shape.add_buffer   : {n:5d} messages, {jj / 1024:8.1f} KiB JSON (plus a new component each time)")

    def overlay():
        draw_on_nglview(user, structure, attention, layer=view.layer, head=view.head, threshold=threshold)

    user = users_widget()
    measure(overlay)  # the first draw; the next one replaces it in nglview's replay list
    n, jj, b = measure(lambda: draw_on_nglview(user, structure, attention, layer=view.layer,
                                               head=(view.head + 1) % attention.n_heads, threshold=threshold))
    script = max(j for j, _ in SENT)
    out(f"  draw_on_nglview, next head : {n:5d} messages, {jj / 1024:8.1f} KiB JSON (the script with the head's "
          f"data, {script / 1024:.1f} KiB, once as the call and once in nglview's replay list)")


if __name__ == "__main__":
    model = paw.load_model("antiberty")
    structure = paw.load_structure(paw.example_path("1vfb_complex"))
    report("1vfb_complex chain B, AntiBERTy", structure, model.attention(structure["B"]), 0.1)
    report("synthetic helix", *synthetic(500), 0.1)
    versions = ", ".join(f"{name} {version(name)}" for name in ("protattn-widgets", "anywidget", "ipywidgets", "nglview"))
    (Path(__file__).with_name("results_wire.md")).write_text(
        "# What the 3D view sends to the browser (bench/wire_structure_view.py)\n\n"
        f"Comm messages and their bytes, counted in the kernel ({versions}).\n\n```"
        + "\n".join(LINES) + "\n```\n")
