"""What StructureAttentionView sends to the browser, in messages and bytes.

Counts every comm message (JSON part + binary buffers) the widgets publish,
for (1) building the view, (2) one head change, against nglview's own ways of
drawing the same edges: one ``shape.add("cylinder", ...)`` call per edge and
one ``shape.add_buffer("cylinder", ...)`` call with JSON float lists.

    python bench/wire_structure_view.py
"""

from __future__ import annotations

import json
import time

import numpy as np
import comm

import protattn_widgets as paw
from protattn_widgets.attention import Attention
from protattn_widgets.widgets import StructureAttentionView

SENT: list[tuple[int, int]] = []  # (json bytes, buffer bytes) per message


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
        view.ngl.loaded = True  # as when the browser has rendered it: queued calls go out

    print(f"\n{name}: L={len(attention)}, threshold={threshold}")
    n, j, b = measure(build)
    print(f"  build view                 : {n:5d} messages, {j / 1024:8.1f} KiB JSON, {b / 1024:6.1f} KiB binary")
    n, j, b = measure(lambda: setattr(view, "head", (view.head + 1) % attention.n_heads))
    edges = view.edges
    print(f"  head change (ours)         : {n:5d} messages, {j / 1024:8.2f} KiB JSON, {b / 1024:6.2f} KiB binary"
          f"  [{len(edges)} edges]")
    ca = np.nan_to_num(view.chain.ca)
    i, j_ = edges[:, 0].astype(int), edges[:, 1].astype(int)

    def per_cylinder():
        for a, c, w in zip(ca[i], ca[j_], edges[:, 2]):
            view.ngl.shape.add("cylinder", a.tolist(), c.tolist(), [1.0, 0.5, 0.0], float(w))

    n, jj, b = measure(per_cylinder)
    print(f"  nglview shape.add per edge : {n:5d} messages, {jj / 1024:8.1f} KiB JSON")

    def one_buffer():
        view.ngl.shape.add_buffer("cylinder", position1=ca[i].ravel().tolist(), position2=ca[j_].ravel().tolist(),
                                  color=np.tile([1.0, 0.5, 0.0], len(edges)).tolist(),
                                  radius=edges[:, 2].tolist())

    n, jj, b = measure(one_buffer)
    print(f"  nglview shape.add_buffer   : {n:5d} messages, {jj / 1024:8.1f} KiB JSON (plus a new component each time)")


if __name__ == "__main__":
    model = paw.load_model("antiberty")
    structure = paw.load_structure(paw.example_path("1vfb_complex"))
    report("1vfb_complex chain B, AntiBERTy", structure, model.attention(structure["B"]), 0.1)
    report("synthetic helix", *synthetic(500), 0.1)
