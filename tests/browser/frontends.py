"""One test body, every front-end: JupyterLab 4, Notebook 7, Voila and marimo (``marimo run``).

A test describes what a user writes (:class:`Notebook`: set-up code and the
expressions whose output is shown) and what a user does (clicks, keys through
Playwright); :func:`open_frontend` turns that into the front-end's own document,
opens it in Chromium and returns a :class:`FrontendPage`, whose methods are the
same everywhere:

* ``run_python(code)``: run code next to the widgets and return what it printed.
  JupyterLab and Notebook 7 send it to the notebook's kernel (``window.jupyterapp``).
  Voila and marimo have no such handle, so their documents get one more cell, a
  *driver*: a text box whose value the kernel executes, printing into an output
  element (an ipywidgets ``Textarea`` in Voila, ``mo.ui.text_area`` in marimo).
  The code runs in the very kernel, with the very widgets, that the page shows.
* ``query(selector)`` / ``find_js``: elements by CSS selector, inside shadow roots
  too (marimo renders each anywidget in one); Playwright's CSS locators pierce
  them already, ``page.evaluate`` code uses ``window.__paAll(selector)``.
* ``reload()``, ``open_again()`` (a second tab), ``errors()`` (console errors and
  warnings that are not known noise), ``close()``.

marimo shows a widget in two ways, both tested: as a cell's output (``ex``) and
wrapped (``mo.ui.anywidget(ex)``); :data:`FRONTENDS` names them "marimo" and
"marimo_ui".  One server per front-end serves the whole session (fixtures in
conftest.py).
"""

from __future__ import annotations

import inspect
import itertools
import re
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from browser_harness import (KERNEL_NAME, KNOWN_CONSOLE_NOISE, NGLVIEW_EXTENSION_NOISE, PAGE_TIMEOUT_MS, LabPage, Noise,
                             console_problems, wait_until_prints)

#: Every front-end a user can show the explorer in, as tests name them.
FRONTENDS = ("lab", "notebook", "voila", "marimo", "marimo_ui")

#: ``window.__paAll(selector)``: every element matching ``selector`` in the document and in
#: every open shadow root below it (marimo puts each anywidget's view in one).
DEEP_QUERY = """
window.__paAll = (selector, root = document) => {
  const found = [...root.querySelectorAll(selector)];
  for (const e of root.querySelectorAll('*')) if (e.shadowRoot) found.push(...window.__paAll(selector, e.shadowRoot));
  return found;
};
"""

#: Console messages of marimo and Voila themselves (seen with only the driver cell, no widget of ours).
MARIMO_NOISE = [
    Noise("warning", r"The resource http://127\.0\.0\.1:\d+/assets/[\w-]+\.png was preloaded using link preload "
          r"but not used within a few seconds from the window's load event\. Please make sure it has an "
          r"appropriate `as` value and it is preloaded intentionally\.",
          "marimo 0.25's page preloads background images that run mode does not show", pattern=True),
]
VOILA_NOISE = NGLVIEW_EXTENSION_NOISE + [
    Noise("warning", r"(Unsatisfied version|No satisfying version) .*shared (singleton )?module @jupyterlab/[\s\S]*",
          "Voila 0.5.13 is built on JupyterLab 4.2.5's core; the widget manager and anywidget extensions "
          "installed next to JupyterLab 4.6 ask for newer core modules and run on these", pattern=True),
]
#: Voila's lab template links Font Awesome from jsDelivr; offline that is two failed requests (a
#: Voila matter: its icons, none of ours). The page gets an empty style sheet for them instead,
#: and any other failed request fails the test (``requestfailed`` below).
#: Leaving (or reloading) a Voila page: its "beforeunload" asks the server to shut the page's kernel
#: down and the browser aborts that request as the page goes (the kernel is culled anyway).
VOILA_SHUTDOWN_ON_LEAVE = re.compile(r"http://127\.0\.0\.1:\d+/voila/api/shutdown/[\w-]+ net::ERR_ABORTED")
VOILA_SHUTDOWN_REFUSED = re.compile(r"403 http://127\.0\.0\.1:\d+/voila/api/shutdown/[\w-]+")
REFUSED_403 = "error: Failed to load resource: the server responded with a status of 403 (Forbidden)"
VOILA_CDN_STYLES = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@*/css/*.css"


@dataclass
class Notebook:
    """What a user writes: ``setup`` (code, nothing shown) and ``shown``, expressions each
    shown as one cell's output (the same expression twice: the widget shown twice).

    Make them at module level: ``marimo run`` serves only the apps that exist when it starts,
    so the marimo server writes every registered notebook's apps first (:func:`write_marimo_apps`).
    """

    name: str
    setup: str
    shown: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if REGISTRY.setdefault(self.name, self) is not self:
            raise ValueError(f"two test notebooks named {self.name!r}")


#: Every :class:`Notebook` the collected test modules made, by name.
REGISTRY: dict[str, Notebook] = {}


def marimo_file(doc: Notebook, frontend: str) -> str:
    return f"{doc.name}_{frontend}.py"


def write_marimo_apps(root: Path) -> None:
    """Every registered notebook as two marimo apps: views as cell outputs, and wrapped."""
    for doc in REGISTRY.values():
        for frontend in ("marimo", "marimo_ui"):
            (root / marimo_file(doc, frontend)).write_text(marimo_app(doc, wrapped=frontend == "marimo_ui"))


@dataclass
class Server:
    """A front-end's server for the session: base URL, its root folder, log, process."""

    kind: str
    url: str
    root: Path
    log: Path
    process: object = field(repr=False)
    token: str = ""

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


class FrontendPage:
    """A document open in one front-end; see the module docstring for the methods."""

    frontend: str
    page: object

    def errors(self) -> list[str]:
        """Console errors and warnings, page errors and failed requests, less known noise."""
        failed = [f"request failed: {text}" for kind, text in self.console
                  if kind == "requestfailed" and not VOILA_SHUTDOWN_ON_LEAVE.fullmatch(text)]
        http = [text for kind, text in self.console if kind == "http"]
        # Voila's own kernel shutdown as a page goes (reload): refused (403) or aborted; one console
        # "Failed to load resource" error per refusal
        refused = [t for t in http if VOILA_SHUTDOWN_REFUSED.fullmatch(t)]
        failed += [f"(HTTP {text})" for text in http if text not in refused]  # which address
        stacks = getattr(self, "stacks", {})
        problems = console_problems(self.console, self.noise)
        for _ in refused:
            if REFUSED_403 in problems:
                problems.remove(REFUSED_403)
        return [p + (f"\n{stacks[p[11:]]}" if p.startswith("pageerror: ") and p[11:] in stacks else "")
                for p in problems] + failed

    def query(self, selector: str):
        """Playwright locator (CSS locators pierce open shadow roots)."""
        return self.page.locator(selector)

    def wait_for_python(self, code: str, expected: str, timeout_s: float = 30) -> str:
        return wait_until_prints(self.run_python, code, expected, timeout_s, where=f"[{self.frontend}] ")

    def _watch(self, page) -> None:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.add_init_script(DEEP_QUERY)
        page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        page.on("pageerror", lambda exc: self.console.append(("pageerror", str(exc))))
        page.on("pageerror", lambda exc: self.stacks.setdefault(str(exc), exc.stack or ""))
        # which address a "Failed to load resource" error was about (the console message does not say)
        page.on("requestfailed", lambda req: self.console.append(("requestfailed", f"{req.url} {req.failure}")))
        page.on("response", lambda r: r.status >= 400 and self.console.append(("http", f"{r.status} {r.url}")))


# -- JupyterLab 4 and Notebook 7: the kernel through window.jupyterapp ---------------------------

class JupyterPage(FrontendPage):
    def __init__(self, server, browser, doc: Notebook, frontend: str, viewport: dict):
        self.frontend, self.doc, self.server, self.browser, self.viewport = frontend, doc, server, browser, viewport
        cells = [doc.setup, *doc.shown]
        self.lab = LabPage(server, browser, doc.name + ".ipynb", cells, app="lab" if frontend == "lab" else "notebook",
                           viewport=viewport, init_script=DEEP_QUERY)
        self.page, self.console, self.noise = self.lab.page, self.lab.console, KNOWN_CONSOLE_NOISE[self.lab.app]

    def start(self, timeout_s: float = 300) -> None:
        self.lab.run_all(timeout_s=timeout_s)

    def run_python(self, code: str, timeout_s: float = 60) -> str:
        return self.lab.run_python(code, timeout_s)

    def save(self) -> None:
        """Save the notebook, as a user (or autosave) does before reloading or opening it again:
        a page loads the notebook from disk, its widget outputs included."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")

    def reload(self) -> None:
        """Reload the page; the kernel keeps running and the widgets come back from its state."""
        self.save()
        self.page.reload()
        self.lab.wait_until_connected()

    def open_again(self) -> "JupyterPage":
        """The same notebook in a second tab: the same kernel, its widgets shown again."""
        self.save()
        other = object.__new__(JupyterPage)
        other.frontend, other.doc, other.server, other.browser = self.frontend, self.doc, self.server, self.browser
        other.lab = LabPage(self.server, self.browser, self.doc.name + ".ipynb", None, self.lab.app,
                            viewport=self.viewport, init_script=DEEP_QUERY)
        other.page, other.console, other.noise = other.lab.page, other.lab.console, self.noise
        return other

    def close(self, shutdown: bool = True) -> None:
        if shutdown:
            self.lab.close()
        else:
            self.lab.context.close()


# -- Voila and marimo: a driver cell runs code in the kernel ----------------------------------

_DRIVER_TOKENS = itertools.count(1)


#: Set a text box's value as typing would (React reads the native setter's value on "input"), then
#: end the edit (ipywidgets' Textarea and mo.ui.text_area send the value on input, change or blur).
TYPE_INTO = """(box, text) => {
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(box, text);
  for (const type of ['input', 'change']) box.dispatchEvent(new Event(type, {bubbles: true}));
  box.dispatchEvent(new FocusEvent('focusout', {bubbles: true}));
  box.dispatchEvent(new FocusEvent('blur'));
}"""


class DriverPage(FrontendPage):
    """Shared by Voila and marimo: ``run_python`` types code into the driver's text box and
    reads the driver's output element until it shows this request's token."""

    CODE = ".protattn-driver-code textarea"
    OUT = ".protattn-driver-out"

    def __init__(self, server: Server, browser, doc: Notebook, frontend: str, viewport: dict, url: str):
        self.frontend, self.doc, self.server, self.browser, self.viewport, self.url = (
            frontend, doc, server, browser, viewport, url)
        self.console: list[tuple[str, str]] = []
        self.stacks: dict[str, str] = {}  # page error message -> its stack, for the failure report
        self.noise = KNOWN_CONSOLE_NOISE["standalone"] + (VOILA_NOISE if frontend == "voila" else MARIMO_NOISE)
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self._watch(self.page)
        if frontend == "voila":
            self.context.route(VOILA_CDN_STYLES, lambda route: route.fulfill(body="", content_type="text/css"))
        self.page.goto(url, timeout=300_000)

    def start(self, timeout_s: float = 300) -> None:
        """Wait until every cell ran: the driver answers."""
        self.page.locator(self.CODE).first.wait_for(state="attached", timeout=timeout_s * 1000)
        self.run_python("print('ready')", timeout_s=timeout_s)

    def run_python(self, code: str, timeout_s: float = 60) -> str:
        token = f"protattn-run-{next(_DRIVER_TOKENS)}"
        # Typed in by script, not by Playwright's fill(): that would focus and scroll to the box,
        # taking the keyboard focus from the view a test is pressing keys on.
        self.page.locator(self.CODE).first.evaluate(TYPE_INTO, f"# {token}\n{code}")
        out = self.page.locator(self.OUT).first
        deadline = time.monotonic() + timeout_s
        while True:
            text = out.inner_text() if out.count() else ""
            if text.startswith(token + "\n") or text == token:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"[{self.frontend}] no answer to {code!r} within {timeout_s} s; the driver shows "
                                     f"{text[:300]!r}\n{self.server.log_tail()}")
            time.sleep(0.1)
        body = text[len(token) + 1:]
        if body.startswith("ERROR "):
            raise AssertionError(f"[{self.frontend}] kernel error running {code!r}: {body[6:]}")
        return body

    def reload(self) -> None:
        self.page.reload(timeout=300_000)
        self.start()

    def open_again(self) -> "DriverPage":
        other = type(self)(self.server, self.browser, self.doc, self.frontend, self.viewport, self.url)
        other.start()
        return other

    def close(self, shutdown: bool = True) -> None:
        self.context.close()


def _run_and_report(code: str, namespace: dict) -> str:
    """The driver's body (runs in the kernel): ``code``'s first line is its token."""
    import contextlib
    import io
    import traceback

    token = code.split("\n", 1)[0].lstrip("# ").strip()
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, "<protattn-driver>", "exec"), namespace)  # noqa: S102 - the test's own code
        return f"{token}\n{buffer.getvalue()}"
    except Exception:
        return f"{token}\nERROR {traceback.format_exc(limit=3)}"


#: The driver's function, as source for the driver cell.
DRIVER_SOURCE = inspect.getsource(_run_and_report)


def voila_cells(doc: Notebook) -> list[str]:
    driver = DRIVER_SOURCE + textwrap.dedent("""

        import html as _html
        import ipywidgets as _w
        _code = _w.Textarea(layout=_w.Layout(width="400px", height="40px"))
        _code.add_class("protattn-driver-code")
        _out = _w.HTML()
        _out.add_class("protattn-driver-out")
        def _on_code(change):
            _out.value = "<pre>" + _html.escape(_run_and_report(change["new"], globals())) + "</pre>"
        _code.observe(_on_code, "value")
        _w.VBox([_code, _out])
        """)
    return [doc.setup, *doc.shown, driver]


def marimo_app(doc: Notebook, wrapped: bool) -> str:
    """``doc`` as a marimo app file: the set-up cell, one cell per shown expression (wrapped in
    ``mo.ui.anywidget`` when ``wrapped``), the driver."""
    def cell(body: str) -> str:
        return "@app.cell\ndef _():\n" + textwrap.indent(body.rstrip() + "\nreturn", "    ") + "\n\n"

    parts = ["import marimo\n\napp = marimo.App(width='full')\n\n",
             cell("import marimo as mo\n" + doc.setup)]
    for k, expr in enumerate(doc.shown):
        # each shown widget is a name of its own: marimo re-runs a cell when a name it reads changes
        parts.append(cell(f"shown_{k} = mo.ui.anywidget({expr})\nshown_{k}" if wrapped else expr))
    parts.append(cell('driver = mo.ui.text_area(label="protattn driver", full_width=True)\n'
                      'mo.Html(f"<div class=\'protattn-driver-code\'>{driver}</div>")'))
    parts.append(cell(DRIVER_SOURCE + "\n"
                      "_text = _run_and_report(driver.value, globals()) if driver.value else ''\n"
                      "import html as _html\n"
                      "mo.Html(f\"<pre class='protattn-driver-out'>{_html.escape(_text)}</pre>\")"))
    parts.append('if __name__ == "__main__":\n    app.run()\n')
    return "".join(parts)


def open_frontend(frontend: str, servers, browser, doc: Notebook, viewport: dict | None = None,
                  timeout_s: float = 300) -> FrontendPage:
    """Write ``doc`` for ``frontend``, open it in a new browser context, wait until it ran."""
    viewport = viewport or {"width": 1280, "height": 1000}
    if frontend in ("lab", "notebook"):
        page = JupyterPage(servers.jupyter(), browser, doc, frontend, viewport)
    elif frontend == "voila":
        server = servers.voila()
        _write_notebook(server.root / (doc.name + ".ipynb"), voila_cells(doc))
        page = DriverPage(server, browser, doc, frontend, viewport, f"{server.url}/voila/render/{doc.name}.ipynb")
    elif frontend in ("marimo", "marimo_ui"):
        server = servers.marimo()
        name = marimo_file(doc, frontend)
        if not (server.root / name).is_file():
            raise AssertionError(f"{name} is not served: make its Notebook at module level (see Notebook)")
        page = DriverPage(server, browser, doc, frontend, viewport, f"{server.url}/?file={name}")
    else:
        raise ValueError(f"unknown front-end {frontend!r}; one of {FRONTENDS}")
    page.start(timeout_s)
    return page


def _write_notebook(path: Path, cells: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "protattn test kernel", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, str(path))
