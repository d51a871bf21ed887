"""The browser test harness: drive a notebook in JupyterLab 4 / Notebook 7 from Playwright.

:class:`LabPage` writes a notebook (nbformat) into the server's root, opens it,
runs all cells, runs code in its kernel and reads the printed text back,
screenshots the NGL canvas, waits for NGL frames and collects console errors and
warnings.  The fixtures that
start the server and the browser are in ``conftest.py`` next to this file.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

KERNEL_NAME = "protattn-test"
PAGE_TIMEOUT_MS = 90_000
ROOT = Path(__file__).resolve().parents[2]
#: Where the tests put the README's screenshots: build/ is gitignored, so `make test` leaves the
#: clone clean; `make docs` runs these tests and copies the pictures into docs/ (the README's).
SCREENSHOTS = Path(os.environ.get("PROTATTN_SCREENSHOTS", ROOT / "build" / "screenshots"))


def screenshot_path(name: str) -> Path:
    """Where the README picture ``name`` (e.g. ``"explorer.png"``) is written by a test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name

@dataclass(frozen=True)
class Noise:
    """A console message that is not ours: its Playwright type ("error", "warning",
    "pageerror") and its whole text, exactly, or with ``pattern`` a regular expression
    that must match the whole text (for messages with an address in them)."""

    kind: str
    text: str
    reason: str
    pattern: bool = False

    def matches(self, kind: str, text: str) -> bool:
        if kind != self.kind:
            return False
        return bool(re.fullmatch(self.text, text)) if self.pattern else text == self.text


#: Not ours, in every front-end that shows the NGL view (JupyterLab, Notebook 7, the standalone page).
NGL_NOISE = [
    Noise("warning", "THREE.WebGLRenderer: The property .useLegacyLights has been deprecated. Migrate your "
          "lighting according to the following guide: "
          "https://discourse.threejs.org/t/updates-to-lighting-in-three-js-r155/53733.",
          "NGL (nglview's 2.4 and our bundled 2.5) sets this three.js renderer property when its "
          "Stage starts; three.js r155+ warns once"),
    Noise("warning", r"\[\.WebGL-0x[0-9a-f]+\]GL Driver Message \(OpenGL, Performance, GL_CLOSE_PATH_NV, "
          r"High\): GPU stall due to ReadPixels( \(this message will no longer repeat\))?",
          "Chromium's software GL notes that NGL reads its picking buffer back (a click on the "
          "canvas); a performance note of the driver, nothing fails", pattern=True),
]

#: Console errors and warnings that are not ours, per front-end, each with the reason it is
#: harmless.  A message is ignored only when its type and whole text match an entry.
#: Checked by hand: each Notebook 7 one also appears with a notebook holding only ``1+1`` (no widget).
#: Jupyter pages (JupyterLab, Notebook 7, Voila) load every installed lab extension; nglview's
#: (installed for users' own NGLWidgets) bundles a three.js of its own, next to our bundled NGL's.
#: Two independent copies work; three.js notes it once per page.
NGLVIEW_EXTENSION_NOISE = [
    Noise("warning", "WARNING: Multiple instances of Three.js being imported.",
          "nglview's JupyterLab extension and our bundled NGL each bring three.js; each uses its own"),
]

KNOWN_CONSOLE_NOISE: dict[str, list[Noise]] = {
    "lab": NGL_NOISE + NGLVIEW_EXTENSION_NOISE,
    "notebook": NGL_NOISE + NGLVIEW_EXTENSION_NOISE + [
        Noise("warning", r"Different hash found for [\w.]+\.ipynb",
              "Notebook 7's document model when the notebook is open in two tabs and one saves "
              "(the second-tab test); no widget involved", pattern=True),
        Noise("pageerror", "Cannot read properties of undefined (reading 'schema')",
              "Notebook 7.6 page error from its collaborative document model (next to "
              "'[yjs#509] Not same Y.Doc' warnings) when a notebook opens; no widget involved"),
        Noise("warning", "[yjs#509] Not same Y.Doc",
              "Notebook 7.6's collaborative document model when a notebook opens; no widget involved"),
        Noise("pageerror", "Command 'filebrowser:open-path' not registered.",
              "Notebook 7's notebook page has no file browser; its router still asks for that "
              "JupyterLab command now and then; nothing of ours calls it"),
        *(Noise("warning", f"Menu entry for command '{command}' is duplicated.",
                "Notebook 7.6 registers these menu entries twice at start-up; no widget involved")
          for command in ("filemenu:close-and-cleanup", "debugger:show-panel", "toc:show-panel")),
    ],
    "standalone": NGL_NOISE,
}


@dataclass
class JupyterServer:
    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


class LabPage:
    """One notebook open in JupyterLab (or Notebook 7), with helpers the tests use."""

    def __init__(self, server: JupyterServer, browser, name: str, cells: list[str] | None, app: str = "lab",
                 viewport: dict | None = None, init_script: str | None = None):
        """Write ``cells`` as notebook ``name`` (``None``: open the notebook already there, e.g.
        in a second tab) and open it; ``init_script`` runs in the page before its own scripts."""
        import nbformat

        self.server = server
        self.name = name
        self.app = app
        self.console: list[tuple[str, str]] = []  # (type, text) of every console message
        if cells is not None:
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "protattn test kernel",
                                         "language": "python"}
            nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
            nbformat.write(nb, str(server.root / name))
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        if init_script:
            self.page.add_init_script(init_script)
        self.page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        self.page.on("pageerror", lambda exc: self.console.append(("pageerror", str(exc))))
        path = f"lab/tree/{name}?reset" if app == "lab" else f"notebooks/{name}"
        sep = "&" if "?" in path else "?"
        self.page.goto(f"{server.url}/{path}{sep}token={server.token}")
        self.wait_until_connected()

    def wait_until_connected(self) -> None:
        """Wait until the app is up and the notebook's kernel is connected and idle."""
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=PAGE_TIMEOUT_MS)
        self.page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
                       return w && w.sessionContext && w.sessionContext.session
                              && w.sessionContext.session.kernel
                              && w.sessionContext.session.kernel.connectionStatus === 'connected'
                              && w.sessionContext.session.kernel.status === 'idle'; }""",
            timeout=PAGE_TIMEOUT_MS)

    def close(self) -> None:
        try:
            self.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        except Exception:  # the page may already be gone; the server's teardown stops the kernel
            pass
        self.context.close()

    def run_all(self, timeout_s: float = 180) -> None:
        """Run every cell (JupyterLab's "Run All" command) and wait until the kernel is idle."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(
            """() => { const cells = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                       return cells.length > 0 && cells.every(c => /\\[\\d+\\]/.test(c.textContent)); }""",
            timeout=timeout_s * 1000)

    def run_python(self, code: str, timeout_s: float = 60) -> str:
        """Run ``code`` in the notebook's kernel; return what it printed (raises on an error)."""
        result = self.page.evaluate(
            """async (code) => {
                 const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                 const future = kernel.requestExecute({code, store_history: false});
                 let out = '', error = null;
                 future.onIOPub = (msg) => {
                   const c = msg.content;
                   if (msg.header.msg_type === 'stream') out += c.text;
                   if (msg.header.msg_type === 'error') error = c.ename + ': ' + c.evalue;
                 };
                 await future.done;
                 return {out, error};
               }""", code)
        if result["error"]:
            raise AssertionError(f"kernel error running {code!r}: {result['error']}")
        return result["out"]

    def wait_for_python(self, code: str, expected: str, timeout_s: float = 30) -> str:
        """Run ``code`` until it prints ``expected`` (stripped); return the last output."""
        return wait_until_prints(self.run_python, code, expected, timeout_s)

    def canvas(self, selector: str = ".jp-OutputArea canvas"):
        loc = self.page.locator(selector).first
        loc.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        return loc

    def canvas_pixels(self, selector: str = ".jp-OutputArea canvas"):
        """The canvas as an RGB numpy array (a screenshot of its box, i.e. what a person sees)."""
        import numpy as np
        from PIL import Image

        png = self.canvas(selector).screenshot()
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def errors(self) -> list[str]:
        """Console errors and warnings and uncaught page errors, minus :data:`KNOWN_CONSOLE_NOISE`."""
        return console_problems(self.console, KNOWN_CONSOLE_NOISE[self.app])

    def kernel_edges(self, view: str) -> tuple[int, int]:
        """``(number of edges, edge_checksum)`` of what the kernel's StructureAttentionView
        ``view`` (a Python expression) sent to the page: its ``edges`` and ``_pa_*`` bytes."""
        out = self.run_python(f"_v = {view}\n_d = getattr(_v, 'ngl', _v)\nprint(len(_v.edges), _d._pa_edges.hex(), _d._pa_weights.hex())")
        n, pairs, weights = (out.split() + ["", ""])[:3]
        return int(n), edge_checksum(bytes.fromhex(pairs), bytes.fromhex(weights))

    def ngl_summary(self, find_view: str) -> dict:
        return self.page.evaluate(f"() => ({find_view})().protattn.summary()")

    def wait_for_ngl_frame(self, find_view: str, condition: str = "true", timeout_ms: int = 60_000) -> dict:
        """See :func:`wait_for_ngl_frame`."""
        return wait_for_ngl_frame(self.page, find_view, condition, timeout_ms)

    def wait_for_ngl_view(self, find_view: str, timeout_ms: int = 120_000) -> dict:
        """Wait until the NGL view found by ``find_view`` loaded its structure and a frame shows it."""
        self.page.wait_for_function(
            f"() => {{ const e = ({find_view})(); return e && e.protattn.summary().ready; }}", timeout=timeout_ms)
        return self.wait_for_ngl_frame(find_view)


#: Console message types that fail a test (Playwright's names; ``console.warn`` is "warning").
PROBLEM_TYPES = ("error", "warning", "pageerror")


def wait_until_prints(run_python, code: str, expected: str, timeout_s: float, where: str = "") -> str:
    """Run ``code`` through ``run_python`` until it prints ``expected`` (stripped); return that output."""
    deadline = time.monotonic() + timeout_s
    out = ""
    while time.monotonic() < deadline:
        out = run_python(code).strip()
        if out == expected:
            return out
        time.sleep(0.3)
    raise AssertionError(f"{where}{code!r} printed {out!r}, expected {expected!r} within {timeout_s} s")


def console_problems(console: list[tuple[str, str]], noise: list[Noise]) -> list[str]:
    """``(type, text)`` console messages that are errors or warnings and not, as a whole, noise."""
    return [f"{kind}: {text}" for kind, text in console
            if kind in PROBLEM_TYPES and not any(n.matches(kind, text) for n in noise)]


def wait_for_ngl_frame(page, find_view: str, condition: str = "true", timeout_ms: int = 60_000) -> dict:
    """Wait until the NGL view's ``summary()`` (as ``s``) satisfies ``condition`` and NGL has drawn
    a frame showing it (``s.painted``: no redraw scheduled, no representation build pending), then
    for two more animation frames so that the frame is on screen.  Returns that summary."""
    page.wait_for_function(
        f"() => {{ const e = ({find_view})(); const s = e && e.protattn.summary();"
        f"          return !!s && s.ready && s.painted && ({condition}); }}",
        timeout=timeout_ms)
    next_frames(page)
    return page.evaluate(f"() => ({find_view})().protattn.summary()")


def next_frames(page, n: int = 2) -> None:
    """Wait for ``n`` animation frames of ``page``: every draw the views queued before (they draw at
    once or on the next animation frame, js/lib/dom.js ``batched``) has run, so what their
    ``summary()`` reports as drawn is what the input so far asked for (e.g. after a burst of wheel
    events, whose last ones wait for the next frame)."""
    page.evaluate("(n) => new Promise(r => { const step = (k) => k ? requestAnimationFrame(() => step(k - 1)) : r();"
                  " step(n); })", n)


def wait_for_still_layout(page, locators, frames: int = 3, timeout_s: float = 30.0) -> list[dict]:
    """Wait until the bounding boxes of ``locators`` stay the same over ``frames`` animation frames
    (the notebook panel, resize observers and the explorer's layout have followed a resize or a
    side panel); return those boxes."""
    deadline = time.monotonic() + timeout_s
    before = [loc.bounding_box() for loc in locators]
    while True:
        next_frames(page, frames)
        now = [loc.bounding_box() for loc in locators]
        if now == before:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"the layout still moves after {timeout_s} s: {before} -> {now}")
        before = now


def ca_targets(page, api: str, n_residues: int, count: int = 10, spacing: float = 30) -> list[dict]:
    """CA atoms of the attention chain nearest the middle of the NGL canvas, by NGL's own projection,
    each ``spacing`` px from the others: ``{i, x, y}`` in canvas CSS px, nearest first.  ``api`` is a JS
    expression for the view's ``protattn`` API.  Something may lie in front of a CA (another chain, an
    attention line: a click there picks no residue of the chain) or the smoothed cartoon may miss it,
    so a test clicks them in turn until one selects."""
    return page.evaluate(f"""() => {{
        const api = {api}, c = api.stage.viewer.renderer.domElement, out = [];
        for (let i = 0; i < {n_residues}; i++) {{
          const p = api.screenPosition(i);
          if (p) out.push({{i, x: p[0], y: p[1], d: Math.hypot(p[0] - c.clientWidth / 2, p[1] - c.clientHeight / 2)}});
        }}
        const spread = [];
        for (const t of out.sort((a, b) => a.d - b.d)) {{
          if (spread.every((s) => Math.hypot(s.x - t.x, s.y - t.y) > {spacing})) spread.push(t);
        }}
        return spread.slice(0, {count}); }}""")


def wait_until_pixels(grab, ok, timeout_s: float = 30.0, what: str = "the canvas"):
    """Screenshot with ``grab()`` until ``ok(pixels)`` holds; return that screenshot (fails
    after ``timeout_s``).  For what NGL draws later than any counter says (a rebuilt
    representation)."""
    deadline = time.monotonic() + timeout_s
    while True:
        pixels = grab()
        if ok(pixels):
            return pixels
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen on the canvas within {timeout_s} s")
        time.sleep(0.1)


def wait_for_pixels(grab, before, min_fraction: float, timeout_s: float = 30.0, tolerance: int = 24,
                    what: str = "the canvas"):
    """Screenshot with ``grab()`` until more than ``min_fraction`` of the pixels differ from
    ``before``; return that screenshot (fails after ``timeout_s``)."""
    return wait_until_pixels(grab, lambda now: changed_fraction(before, now, tolerance) > min_fraction,
                             timeout_s, f"{what} changing in more than {min_fraction} of its pixels")


def wait_for_ink_near_points(grab, points, keys, min_share: float = 0.8, timeout_s: float = 30.0,
                             min_points: int = 10, what: str = "the canvas") -> dict[str, float]:
    """Screenshot with ``grab()`` until every one of ``keys`` (chains) has ink near more than
    ``min_share`` of its points (:func:`ink_near_points`; ``points()`` is asked again for each
    screenshot: NGL may still be moving or resizing); return those shares.  For a canvas that is
    drawn on the frames after it was scrolled into view or resized, where no counter says when."""
    seen: dict[str, float] = {}

    def drawn(pixels) -> bool:
        seen.clear()
        seen.update(ink_near_points(pixels, points(), min_points=min_points))
        return set(seen) == set(keys) and min(seen.values()) > min_share

    try:
        wait_until_pixels(grab, drawn, timeout_s, what)
    except AssertionError:
        raise AssertionError(f"{what}: not drawn near the points of {sorted(keys)} within {timeout_s} s; "
                             f"last shares {seen}") from None
    return dict(seen)


def edge_checksum(pairs: bytes, weights: bytes) -> int:
    """js/ngl_attention.js's ``summary().edgeChecksum`` of the ``_pa_edges`` / ``_pa_weights``
    bytes: FNV-1a (32 bit) over the first 4k pair bytes, then the first k weight bytes."""
    k = min(len(weights), len(pairs) // 4)
    h = 0x811C9DC5
    for byte in pairs[: 4 * k] + weights[:k]:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def distinct_colors(pixels) -> int:
    import numpy as np

    flat = pixels.reshape(-1, pixels.shape[-1]).astype(np.uint32)
    return len(np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]))


def changed_fraction(a, b, tolerance: int = 24) -> float:
    """Share of pixels whose colour differs by more than ``tolerance`` in any channel."""
    import numpy as np

    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=-1) > tolerance).mean())


def ink_near_points(pixels, points: dict[str, list], radius: int = 2, min_points: int = 10) -> dict[str, float]:
    """Per key (a chain): the share of its ``points`` (canvas CSS px, ``[x, y]``) inside the image
    that have a non-background (not white) pixel within ``radius`` px: e.g. the cartoon drawn
    at each CA atom.  Keys with fewer than ``min_points`` points on screen are left out."""
    import numpy as np

    ink = pixels.min(axis=-1) < 235
    h, w = ink.shape
    shares = {}
    for key, xy in points.items():
        xy = np.round(np.asarray(xy, dtype=float)).astype(int).reshape(-1, 2)
        xy = xy[(xy[:, 0] >= radius) & (xy[:, 0] < w - radius) & (xy[:, 1] >= radius) & (xy[:, 1] < h - radius)]
        if len(xy) < min_points:
            continue
        hit = np.zeros(len(xy), bool)
        for dx in range(-radius, radius + 1):
            for dy in range(-radius, radius + 1):
                hit |= ink[xy[:, 1] + dy, xy[:, 0] + dx]
        shares[key] = float(hit.mean())
    return shares
