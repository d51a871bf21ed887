#!/bin/sh
# Install torch into a virtual environment: the CPU build unless an NVIDIA GPU is present.
#
#   tools/install_torch.sh PYTHON [REQUIREMENT]     install (REQUIREMENT default torch==2.13.0)
#   tools/install_torch.sh --plan                    print the build and pip's index arguments, and exit
#
# The build is chosen by TORCH_BUILD (auto, the default; cpu; cuda):
#   auto  cuda when `nvidia-smi -L` runs and lists a GPU, else cpu.
#   cpu   PyTorch's CPU index as an *extra* index (--extra-index-url): where that index cannot
#         be reached, pip warns and falls back to your own index and find-links, and the line
#         printed at the end says which build that gave.
#   cuda  your default index: on PyPI for Linux x86_64 that is the CUDA build (several GB).
# TORCH_INDEX=URL overrides all of this: pip uses only that index (e.g. a given CUDA version,
# https://download.pytorch.org/whl/cu128).
set -u

CPU_INDEX=https://download.pytorch.org/whl/cpu

plan_only=0
if [ "${1:-}" = "--plan" ]; then
	plan_only=1
	python=""
else
	python=${1:?usage: tools/install_torch.sh PYTHON [REQUIREMENT] | --plan}
fi
requirement=${2:-torch==2.13.0}

gpu_present() {
	command -v nvidia-smi >/dev/null 2>&1 || return 1
	nvidia-smi -L 2>/dev/null | grep -q '^GPU ' || return 1
}

build=${TORCH_BUILD:-auto}
index=${TORCH_INDEX:-}
case "$build" in
	auto)
		if gpu_present; then build=cuda; why="nvidia-smi lists an NVIDIA GPU"
		else build=cpu; why="no NVIDIA GPU found by nvidia-smi"; fi ;;
	cpu|cuda) why="TORCH_BUILD=$build" ;;
	*)
		echo "error: TORCH_BUILD must be auto, cpu or cuda, not '$build'" >&2
		exit 2 ;;
esac

if [ -n "$index" ]; then
	set -- --index-url "$index"
	why="TORCH_INDEX=$index"
elif [ "$build" = cpu ]; then
	set -- --extra-index-url "$CPU_INDEX"
else
	set --
fi

if [ "$plan_only" = 1 ]; then
	echo "$build $*"
	exit 0
fi

echo "installing $requirement, $build build: $why (choose with TORCH_BUILD=cpu|cuda or TORCH_INDEX=URL)"
if [ "${1:-}" = --extra-index-url ]; then
	# torch alone from the extra index, then its dependencies from your own index only: pip asks
	# every index about every package, and an unreachable one costs retries for each.
	echo "(if $CPU_INDEX cannot be reached, pip warns and uses your own index and find-links)"
	"$python" -m pip install --quiet --no-deps "$@" "$requirement" &&
		"$python" -m pip install --quiet "$requirement"
else
	"$python" -m pip install --quiet "$@" "$requirement"
fi || {
	echo "error: pip could not install $requirement (pip's message is above)" >&2
	exit 1
}

# Say which build pip actually installed: with the CPU index unreachable, pip may have taken
# the CUDA build from PyPI.
installed=$("$python" -W ignore -c 'import torch; print(torch.__version__, torch.version.cuda or "none")') || {
	echo "error: torch was installed but does not import (see above)" >&2
	exit 1
}
version=${installed% *}
cuda=${installed#* }
if [ "$cuda" = none ]; then
	echo "installed torch $version: CPU build"
	got=cpu
else
	echo "installed torch $version: CUDA $cuda build"
	got=cuda
fi
if [ -z "$index" ] && [ "$got" != "$build" ]; then
	echo "warning: the $build build was wanted but pip installed the $got build" \
		"(is $CPU_INDEX reachable?); make clean, then choose with TORCH_BUILD or TORCH_INDEX" >&2
fi
exit 0
