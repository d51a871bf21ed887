"""``make system-deps`` (tools/system_deps.sh) installs only what is missing and shows apt's errors.

Each case runs the real script with a PATH of fake commands: stubs for node, npm,
mkdssp, chromium, dpkg, dpkg-query, id and apt-get, plus the few real tools the
script needs (head, cut, sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "system_deps.sh"
SH = shutil.which("sh")


def _stub(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!{SH}\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A fake machine: ``machine(commands, node_package=..., root=..., apt=...)`` -> run(args)."""
    def build(present: tuple[str, ...], *, node_owner: str | None = None, node_version: str = "",
              root: bool = False, apt_install: str = "exit 0"):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for tool in ("head", "cut", "sh", "cat"):
            (bin_dir / tool).symlink_to(shutil.which(tool))
        for command in present:
            _stub(bin_dir, command)
        if node_owner is not None:  # dpkg knows who owns node
            _stub(bin_dir, "dpkg", f'[ "$1" = -S ] && echo "{node_owner}: $2" && exit 0; exit 1')
            _stub(bin_dir, "dpkg-query", f'printf "%s" "{node_version}"')
        elif root:
            _stub(bin_dir, "dpkg", 'echo "dpkg-query: no path found matching pattern $2" >&2; exit 1')
        _stub(bin_dir, "id", f'echo {0 if root else 1000}')
        log = tmp_path / "apt.log"
        _stub(bin_dir, "apt-get", f'echo "$@" >> {log}\n[ "$1" = install ] || exit 0\n{apt_install}')

        def run(*args: str, make: bool = False) -> subprocess.CompletedProcess:
            command = ([shutil.which("make"), "-s", "-C", str(ROOT), "system-deps"] if make
                       else [SH, str(SCRIPT), *args])
            result = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                    env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
            result.apt = log.read_text().splitlines() if log.exists() else []
            return result

        return run

    return build


ALL = ("mkdssp", "chromium", "node", "npm")


@pytest.mark.parametrize("present, expected", [
    (ALL, ""),
    (("chromium", "node", "npm"), "dssp"),
    (("mkdssp", "node", "npm"), "chromium"),
    (("mkdssp", "chromium"), "nodejs npm"),
    ((), "dssp chromium nodejs npm"),
])
def test_plan_is_the_packages_of_the_missing_commands(machine, present, expected):
    result = machine(present)("--plan")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_npm_is_not_installed_next_to_nodesource_node(machine):
    run = machine(("mkdssp", "chromium", "node"), node_owner="nodejs", node_version="22.11.0-1nodesource1")
    result = run("--plan")
    assert result.stdout.strip() == ""
    assert "not Debian's nodejs" in result.stderr and "NodeSource" in result.stderr


def test_npm_is_not_installed_next_to_a_node_dpkg_does_not_know(machine):
    result = machine(("node",), root=True)("--plan")  # nvm, a tarball: dpkg -S finds nothing
    assert result.stdout.strip() == "dssp chromium"


def test_npm_is_installed_next_to_debians_node(machine):
    result = machine(("mkdssp", "chromium", "node"), node_owner="nodejs", node_version="20.19.2+dfsg-1")("--plan")
    assert result.stdout.strip() == "npm"


def test_root_installs_only_the_missing_packages(machine):
    result = machine(("chromium", "node", "npm"), root=True)()
    assert result.returncode == 0, result.stderr
    assert result.apt[0].startswith("update")
    assert result.apt[1].split()[-1] == "dssp" and "chromium" not in result.apt[1]


def test_nothing_missing_runs_no_apt(machine):
    result = machine(ALL, root=True)()
    assert result.returncode == 0 and result.apt == []


def test_apt_failure_is_shown_and_fails(machine):
    conflict = 'echo "nodejs : Conflicts: npm" >&2; echo "E: Unable to correct problems, you have held broken packages." >&2; exit 100'
    result = machine(("mkdssp", "chromium"), root=True, apt_install=conflict)()
    assert result.returncode == 1
    assert "nodejs : Conflicts: npm" in result.stderr, "apt's own error must be visible"
    assert "apt-get install nodejs npm failed" in result.stderr


def test_not_root_says_what_to_install(machine):
    result = machine(("node", "npm"))()
    assert result.returncode == 0 and result.apt == []
    assert "install the Debian packages: dssp chromium" in result.stderr


def test_make_system_deps_runs_the_script(machine):
    result = machine(("chromium", "node", "npm"), root=True)(make=True)
    assert result.returncode == 0, result.stderr
    assert result.apt[-1].split()[-1] == "dssp"
