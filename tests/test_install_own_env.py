"""The README's "install into your own environment": a wheel built from the clone, and the clone
itself, each installed into a fresh virtualenv, run `protattn` from outside the source tree.

The fresh environments get the package's dependencies (torch, transformers, ...) from the test
environment through a .pth file, so that the test installs only the package, as `pip install
--no-deps` would: what is checked is that the wheel and the clone install a complete package
(modules, bundled structures, the built front-end, the console script), not pip's resolver.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _fresh_env(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _clone(folder: Path) -> Path:
    """The files of this checkout that git tracks or would track, copied: pip builds in the source
    folder, and a build/ left in the real tree could carry stale modules into later wheels."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    if listing.returncode != 0:  # not a git checkout (an unpacked sdist): build from it as it is
        return ROOT
    for name in filter(None, listing.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


def _pip(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("source", ["wheel", "clone"])
def test_installed_package_runs_outside_the_source_tree(source, tmp_path):
    python = _fresh_env(tmp_path / "env")
    clone = _clone(tmp_path / "clone")
    if source == "wheel":
        _pip("wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(clone))
        (wheel,) = (tmp_path / "dist").glob("protattn_widgets-*.whl")
        target = str(wheel)
    else:
        target = str(clone)
    _pip("--python", str(python), "install", "--no-deps", "-q", target)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = lambda *args: subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path,  # noqa: E731
                                       env=env)
    where = run(str(python), "-c", "import protattn_widgets as p, pathlib; "
                                   "print(p.__file__); print(p.example_path('1vfb_complex').is_file()); "
                                   "print(any(pathlib.Path(p.__file__).parent.glob('widgets/static/*.js')))")
    assert where.returncode == 0, where.stderr
    module, example, front_end = where.stdout.split()
    assert module.startswith(str(tmp_path / "env")), f"imported {module}, not the installed copy"
    assert example == front_end == "True", "bundled structures or the built front-end are missing"
    figure = run(str(tmp_path / "env" / "bin" / "protattn"), "figure", "1vfb_complex", "--chain", "B",
                 "--layer", "2", "--head", "7", "-o", "head.png")
    assert figure.returncode == 0, figure.stderr
    assert (tmp_path / "head.png").read_bytes().startswith(b"\x89PNG")
