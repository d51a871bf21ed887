"""``make install`` picks the torch build: the CPU build unless an NVIDIA GPU is present.

Each case runs the real tools/install_torch.sh (and, in the last cases, the real
``make install``) with a PATH of fake commands: ``nvidia-smi`` answering as a
machine with or without a GPU, and a ``python`` whose ``-m pip`` records its
arguments and whose ``-c`` prints the torch version a build would report.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "install_torch.sh"
SH = shutil.which("sh")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
GPU_LIST = "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000000)"


def _stub(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!{SH}\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path):
    """``machine(gpu=..., installs=...)`` -> run(*args, make=False, **env): a fake machine.

    ``gpu``: None (no nvidia-smi), "broken" (nvidia-smi fails: a driver without a device),
    or True. ``installs``: what ``import torch`` reports after pip ran ("2.13.0+cpu none",
    "2.13.0 12.8").
    """
    def build(gpu=None, installs: str = "2.13.0+cpu none", pip_fails: bool = False):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for tool in ("sh", "grep", "cat", "mkdir", "cp", "touch", "dirname"):
            (bin_dir / tool).symlink_to(shutil.which(tool))
        if gpu == "broken":
            _stub(bin_dir, "nvidia-smi", 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the '
                                         'NVIDIA driver." >&2; exit 9')
        elif gpu:
            _stub(bin_dir, "nvidia-smi", f'[ "$1" = -L ] && echo "{GPU_LIST}"; exit 0')
        log = tmp_path / "python.log"
        # -m venv DIR makes DIR/bin/python a copy of this fake; -m pip records; -c prints the build.
        _stub(bin_dir, "python", f'''echo "$@" >> {log}
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit 0; fi
if [ "$1 $2" = "-m pip" ]; then {"exit 1" if pip_fails else "exit 0"}; fi
if [ "$1 $2 $3" = "-W ignore -c" ]; then echo "{installs}"; exit 0; fi
exit 3''')

        def run(*args: str, make: bool = False, **env: str) -> subprocess.CompletedProcess:
            if make:
                command = [shutil.which("make"), "-s", "-C", str(ROOT), "install", "PYTHON=python",
                           f"VENV={tmp_path / 'venv'}", *args]
            else:
                command = [SH, str(SCRIPT), *args]
            result = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                    env={"PATH": str(bin_dir), "HOME": str(tmp_path), **env})
            lines = log.read_text().splitlines() if log.exists() else []
            result.pip = [line.split() for line in lines if line.startswith("-m pip")]
            return result

        return run

    return build


def _torch_install(result) -> list[str]:
    """The arguments of the pip call that installed torch (with the CPU index: torch alone,
    then a second call, on the default index only, for its dependencies)."""
    calls = [call for call in result.pip if any(arg.startswith("torch") for arg in call)]
    if any("--extra-index-url" in call for call in calls):
        assert len(calls) == 2, result.pip
        assert "--no-deps" in calls[0] and not any("index" in arg or arg == "--no-deps" for arg in calls[1])
        assert calls[0][-1] == calls[1][-1]
    else:
        assert len(calls) == 1, result.pip
    return calls[0]


@pytest.mark.parametrize("gpu, expected", [
    (None, f"cpu --extra-index-url {CPU_INDEX}"),
    ("broken", f"cpu --extra-index-url {CPU_INDEX}"),
    (True, "cuda"),
])
def test_plan_is_cpu_unless_nvidia_smi_lists_a_gpu(machine, gpu, expected):
    result = machine(gpu=gpu)("--plan")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_no_gpu_installs_the_cpu_build_with_pytorchs_index_as_an_extra(machine):
    result = machine(gpu=None)("python")
    assert result.returncode == 0, result.stderr
    call = _torch_install(result)
    # an *extra* index: where download.pytorch.org cannot be reached pip still finds torch elsewhere
    assert "--extra-index-url" in call and call[call.index("--extra-index-url") + 1] == CPU_INDEX
    assert "--index-url" not in call and call[-1] == "torch==2.13.0"
    assert "no NVIDIA GPU found by nvidia-smi" in result.stdout
    assert "installed torch 2.13.0+cpu: CPU build" in result.stdout


def test_a_gpu_installs_the_default_cuda_build(machine):
    result = machine(gpu=True, installs="2.13.0 12.8")("python")
    assert result.returncode == 0, result.stderr
    call = _torch_install(result)
    assert not any("index" in arg for arg in call), call
    assert "nvidia-smi lists an NVIDIA GPU" in result.stdout
    assert "installed torch 2.13.0: CUDA 12.8 build" in result.stdout


@pytest.mark.parametrize("gpu", [None, True])
def test_torch_build_overrides_the_detection(machine, gpu):
    wanted = "cuda" if gpu is None else "cpu"
    result = machine(gpu=gpu, installs="2.13.0 12.8" if wanted == "cuda" else "2.13.0+cpu none")(
        "python", TORCH_BUILD=wanted)
    assert result.returncode == 0, result.stderr
    assert ("--extra-index-url" in _torch_install(result)) == (wanted == "cpu")
    assert f"TORCH_BUILD={wanted}" in result.stdout and "warning" not in result.stderr


def test_torch_index_is_the_only_index(machine):
    url = "https://download.pytorch.org/whl/cu128"
    result = machine(gpu=None, installs="2.13.0+cu128 12.8")("python", TORCH_INDEX=url)
    call = _torch_install(result)
    assert call[call.index("--index-url") + 1] == url and "--extra-index-url" not in call
    assert "installed torch 2.13.0+cu128: CUDA 12.8 build" in result.stdout
    assert "warning" not in result.stderr


def test_cuda_build_from_fallback_is_reported(machine):
    """The CPU index unreachable and PyPI answering: pip took the CUDA build, and we say so."""
    result = machine(gpu=None, installs="2.13.0 12.8")("python")
    assert result.returncode == 0
    assert "installed torch 2.13.0: CUDA 12.8 build" in result.stdout
    assert "warning: the cpu build was wanted but pip installed the cuda build" in result.stderr


def test_bad_build_name_is_refused(machine):
    result = machine()("python", TORCH_BUILD="rocm")
    assert result.returncode == 2 and "TORCH_BUILD must be auto, cpu or cuda" in result.stderr
    assert result.pip == []


def test_pip_failure_fails(machine):
    result = machine(pip_fails=True)("python")
    assert result.returncode == 1 and "pip could not install torch==2.13.0" in result.stderr


@pytest.mark.parametrize("gpu, index_arg", [(None, "--extra-index-url"), (True, None)])
def test_make_install_uses_the_chosen_build(machine, gpu, index_arg):
    result = machine(gpu=gpu, installs="2.13.0 12.8" if gpu else "2.13.0+cpu none")(make=True)
    assert result.returncode == 0, result.stderr
    call = _torch_install(result)
    assert (index_arg in call) if index_arg else not any("index" in arg for arg in call)
    assert result.pip[-1][-2:] == ["--editable", ".[test]"]  # then the package, torch already there
    assert "installed torch 2.13.0" in result.stdout


def test_make_install_passes_its_variables(machine):
    result = machine(gpu=True)("TORCH_BUILD=cpu", "TORCH=torch==2.12.0", make=True)
    assert result.returncode == 0, result.stderr
    call = _torch_install(result)
    assert "--extra-index-url" in call and call[-1] == "torch==2.12.0"


# --------------------------------------------------------------------------- what the README says


def _setup_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Set-up\n")
    return readme[start:readme.index("\n## ", start + 1)]


def test_readme_has_two_set_up_commands_after_the_explanation():
    section = _setup_section()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the set-up section has one block of commands"
    commands = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    before = section[:section.index("```")]
    assert "the CPU build, unless an NVIDIA GPU is\npresent" in before and "installed torch" in before
    assert "TORCH_BUILD=cpu" in section and "TORCH_INDEX=" in section


def test_readme_install_time_is_the_measured_one():
    """The README quotes bench/results_install.md, which bench/install_time.sh writes."""
    results = (ROOT / "bench" / "results_install.md").read_text(encoding="utf-8")
    row = r"^\| (cold|warm)[^|]*\| \d+ s \((\d+ min \d+ s)\) \| (\d+) s \|$"  # cache, wall, CPU seconds
    rows = {cache: (wall, cpu) for cache, wall, cpu in re.findall(row, results, re.MULTILINE)}
    section = _setup_section()
    quoted = lambda name: re.search(rf"<!-- install-{name} -->(.*?)<!-- /install-{name} -->", section).group(1)  # noqa: E731
    assert quoted("cold") == rows["cold"][0] and quoted("warm") == rows["warm"][0]
    assert quoted("cpu") == f"{round(int(rows['cold'][1]) / 60)} min"
    assert "installed torch 2.13.0+cpu: CPU build" in results
