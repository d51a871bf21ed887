"""Real-browser fixtures: JupyterLab 4 on 127.0.0.1 driven by Debian's Chromium via Playwright.

* ``jupyter_server``: a Jupyter server (JupyterLab 4 and, when installed,
  Notebook 7 on the same server) on a free port with a random token, in a
  temporary root directory, with a kernel spec that runs this very Python.
* ``browser``: Chromium launched by Playwright with the flags this machine
  and CI need (no ``--use-gl=swiftshader``: it turns WebGL off; WebGL runs on
  SwiftShader by itself).
* ``browser_harness.LabPage``: write a notebook, open it, run all cells, run code in its
  kernel and read the printed text back, screenshot a canvas, wait for NGL frames,
  collect console errors and warnings.

Nothing here skips: a missing Chromium, Playwright or JupyterLab fails the
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
def jupyter_server(tmp_path_factory) -> JupyterServer:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        _fail_missing("JupyterLab 4", f"{sys.executable} -m pip install 'jupyterlab>=4.2'")
    base = tmp_path_factory.mktemp("jupyter")
    root, data, config, runtime = (base / d for d in ("root", "data", "config", "runtime"))
    for d in (root, data, config, runtime):
        d.mkdir()
    spec_dir = data / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "protattn test kernel", "language": "python",
            "env": {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))

    # window.jupyterapp lets the tests use the apps' own command registry ("Run All") and kernel.
    # Extension apps read this file from JUPYTER_CONFIG_DIR (the command line reaches only LabApp).
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"expose_app_in_browser": True, "news_url": None,
                   "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
        "JupyterNotebookApp": {"expose_app_in_browser": True},
    }))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_DATA_DIR=str(data), JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_PLATFORM_DIRS="1", HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--ServerApp.open_browser=False"]
    log = base / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   cwd=root, start_new_session=True)
    server = JupyterServer(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{server.log_tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{server.url}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}",
                            pytrace=False)
            time.sleep(0.5)
        yield server
    finally:
        _stop(process)


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
