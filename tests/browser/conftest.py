"""Real-browser fixtures: JupyterLab 4, Notebook 7, Voila and marimo on 127.0.0.1, driven by
Debian's Chromium via Playwright.

* ``jupyter_server``: a Jupyter server (JupyterLab 4 and Notebook 7 on the same
  server) on a free port with a random token, in a temporary root directory,
  with a kernel spec that runs this very Python (``jupyter_dirs``).
* ``voila_server``: Voila on a folder of notebooks, the same kernel spec.
* ``marimo_server``: ``marimo run`` on a folder of apps.
* ``frontend_servers``: starts each of these on first use (frontends.py picks).
* ``browser``: Chromium launched by Playwright with the flags this machine
  and CI need (no ``--use-gl=swiftshader``: it turns WebGL off; WebGL runs on
  SwiftShader by itself).
* ``browser_harness.LabPage``: write a notebook, open it, run all cells, run code in its
  kernel and read the printed text back, screenshot a canvas, wait for NGL frames,
  collect console errors and warnings.

Nothing here skips: a missing Chromium, Playwright, JupyterLab, Voila or marimo fails the
tests with the command that installs it.  Everything started is shut down.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser_harness import KERNEL_NAME, JupyterServer
from frontends import Server, write_marimo_apps

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PROTATTN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_TIMEOUT_S = 120  # 2 shared CPU cores: JupyterLab can take a while


def _fail_missing(what: str, how: str) -> None:
    pytest.fail(f"{what} is needed by the browser tests and is missing. Install it with: {how}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def jupyter_dirs(tmp_path_factory) -> dict[str, Path]:
    """Jupyter's data, config and runtime folders for the session, with a kernel spec that runs
    this very Python (shared by JupyterLab, Notebook 7 and Voila)."""
    base = tmp_path_factory.mktemp("jupyter")
    dirs = {d: base / d for d in ("data", "config", "runtime")}
    for d in dirs.values():
        d.mkdir()
    spec_dir = dirs["data"] / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "protattn test kernel", "language": "python",
            "env": {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    # window.jupyterapp lets the tests use the apps' own command registry ("Run All") and kernel.
    # Extension apps read this file from JUPYTER_CONFIG_DIR (the command line reaches only LabApp).
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"expose_app_in_browser": True, "news_url": None,
                   "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
        "JupyterNotebookApp": {"expose_app_in_browser": True},
    }))
    # No "Would you like to receive official Jupyter news?" toast in the corner of every screenshot: the
    # notification plugin's setting, as a user who answered "Never" has it (JupyterLab and Notebook 7 read
    # user settings from JUPYTER_CONFIG_DIR/lab/user-settings).
    notification = dirs["config"] / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(json.dumps(
        {"fetchNews": "false", "checkForUpdates": False}))
    return dirs


def _jupyter_env(dirs: dict[str, Path]) -> dict[str, str]:
    return dict(os.environ, JUPYTER_DATA_DIR=str(dirs["data"]), JUPYTER_CONFIG_DIR=str(dirs["config"]),
                JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTER_PLATFORM_DIRS="1", HF_HUB_OFFLINE="1")


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory, jupyter_dirs) -> JupyterServer:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        _fail_missing("JupyterLab 4", f"{sys.executable} -m pip install 'jupyterlab>=4.2'")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    env = _jupyter_env(jupyter_dirs)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--ServerApp.open_browser=False"]
    log = base / "server.log"
    process = _start(cmd, env, root, log)
    server = JupyterServer(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        _wait_until_up(process, f"{server.url}/api/status?token={token}", "JupyterLab", server.log_tail)
        yield server
    finally:
        _stop(process)


def _wait_until_up(process: subprocess.Popen, url: str, name: str, log_tail) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it exits or is too slow."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with code {process.returncode}:\n{log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{name} did not answer within {SERVER_START_TIMEOUT_S} s:\n{log_tail()}", pytrace=False)
        time.sleep(0.5)


def _start(cmd: list[str], env: dict, root: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory, jupyter_dirs) -> Server:
    """Voila serving a folder: each test's notebook at /voila/render/<name>.ipynb, a new kernel per page."""
    try:
        import voila  # noqa: F401
    except ImportError:
        _fail_missing("Voila 0.5", f"{sys.executable} -m pip install 'voila>=0.5.13,<0.6'")
    base = tmp_path_factory.mktemp("voila")
    root = base / "root"
    root.mkdir()
    port = _free_port()
    cmd = [sys.executable, "-m", "voila", str(root), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
           "--show_tracebacks=True", "--VoilaExecutor.timeout=600",
           # Notebook 7's JupyterLab extension is installed with the tests and fails to load in Voila
           # (built for a newer JupyterLab core than Voila 0.5's): not a Voila extension
           "--VoilaConfiguration.extension_denylist=['@jupyter-notebook/lab-extension']"]
    log = base / "server.log"
    process = _start(cmd, _jupyter_env(jupyter_dirs), root, log)
    server = Server("voila", f"http://127.0.0.1:{port}", root, log, process)
    try:
        _wait_until_up(process, f"{server.url}/voila/tree", "Voila", server.log_tail)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def marimo_server(tmp_path_factory) -> Server:
    """``marimo run`` on a folder of apps: each at /?file=<name>.py, a new session (kernel) per page."""
    try:
        import marimo  # noqa: F401
    except ImportError:
        _fail_missing("marimo 0.25", f"{sys.executable} -m pip install 'marimo>=0.25.2,<0.26'")
    base = tmp_path_factory.mktemp("marimo")
    root = base / "apps"
    root.mkdir()
    write_marimo_apps(root)  # it serves the apps that exist when it starts
    port = _free_port()
    cmd = [sys.executable, "-m", "marimo", "run", str(root), "--headless", "--host", "127.0.0.1",
           "--port", str(port), "--no-token"]
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    log = base / "server.log"
    process = _start(cmd, env, root, log)
    server = Server("marimo", f"http://127.0.0.1:{port}", root, log, process)
    try:
        _wait_until_up(process, f"{server.url}/health", "marimo", server.log_tail)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def frontend_servers(request) -> "Servers":
    """The servers of :mod:`frontends`, each started on first use and kept for the session."""
    return Servers(request)


class Servers:
    def __init__(self, request):
        self._request = request

    def jupyter(self):
        return self._request.getfixturevalue("jupyter_server")

    def voila(self) -> Server:
        return self._request.getfixturevalue("voila_server")

    def marimo(self) -> Server:
        return self._request.getfixturevalue("marimo_server")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and its kernels (one process group, started by us)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)  # jupyter shuts its kernels down on SIGTERM
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _fail_missing("Playwright (Python)", f"{sys.executable} -m pip install 'playwright>=1.40'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _fail_missing(f"Chromium ({CHROMIUM})", "apt-get install -y chromium  (or set PROTATTN_CHROMIUM)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
