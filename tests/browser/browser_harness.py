"""The browser test harness: drive a notebook in JupyterLab 4 / Notebook 7 from Playwright.

:class:`LabPage` writes a notebook (nbformat) into the server's root, opens it,
runs all cells, runs code in its kernel and reads the printed text back,
screenshots the NGL canvas and collects console errors.  The fixtures that
start the server and the browser are in ``conftest.py`` next to this file.
"""

from __future__ import annotations

import io
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

KERNEL_NAME = "protattn-test"
PAGE_TIMEOUT_MS = 90_000

#: Console errors that are not ours, per front-end, each with the reason it is harmless.
#: Checked by hand: each also appears with a notebook holding only ``1+1`` (no widget).
KNOWN_CONSOLE_NOISE: dict[str, dict[str, str]] = {
    "lab": {},
    "notebook": {
        "Cannot read properties of undefined (reading 'schema')":
            "Notebook 7.6 page error from its collaborative document model (next to "
            "'[yjs#509] Not same Y.Doc' warnings) when a notebook opens; no widget involved",
        "Command 'filebrowser:open-path' not registered.":
            "Notebook 7's notebook page has no file browser; its router still asks for that "
            "JupyterLab command now and then; nothing of ours calls it",
    },
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

    def __init__(self, server: JupyterServer, browser, name: str, cells: list[str], app: str = "lab"):
        import nbformat

        self.server = server
        self.name = name
        self.app = app
        self.console: list[tuple[str, str]] = []  # (type, text) of every console message
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "protattn test kernel",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nbformat.write(nb, str(server.root / name))
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        self.page.on("pageerror", lambda exc: self.console.append(("pageerror", str(exc))))
        path = f"lab/tree/{name}?reset" if app == "lab" else f"notebooks/{name}"
        sep = "&" if "?" in path else "?"
        self.page.goto(f"{server.url}/{path}{sep}token={server.token}")
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
        deadline = time.monotonic() + timeout_s
        out = ""
        while time.monotonic() < deadline:
            out = self.run_python(code).strip()
            if out == expected:
                return out
            time.sleep(0.3)
        raise AssertionError(f"{code!r} printed {out!r}, expected {expected!r} within {timeout_s} s")

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
        """Console errors and uncaught page errors, minus :data:`KNOWN_CONSOLE_NOISE`."""
        noise = KNOWN_CONSOLE_NOISE[self.app]
        return [text for kind, text in self.console
                if kind in ("error", "pageerror") and not any(k in text for k in noise)]


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
