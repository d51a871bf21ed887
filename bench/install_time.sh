#!/bin/sh
# Time `make install` (a new .venv with torch and the package) on a cold and on a warm pip cache,
# and write bench/results_install.md, which the README's install time quotes (a test checks it).
#
#   sh bench/install_time.sh
#
# cold: an empty PIP_CACHE_DIR, so every wheel is fetched from the index again (what a fresh
# machine does); warm: your usual pip cache, already filled by the cold run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/cache"

measure() {  # label, then the environment for make; prints "wall s | CPU s"
	label=$1; shift
	/usr/bin/time -f "%e %U %S" -o "$work/$label.time" env "$@" \
		make -s -C "$root" install VENV="$work/venv-$label" >"$work/$label.log" 2>&1 || {
		cat "$work/$label.log" >&2; exit 1; }
	awk '{printf "%.0f s (%d min %02d s) | %.0f s", $1, $1 / 60, $1 % 60, $2 + $3}' "$work/$label.time"
}

cold=$(measure cold PIP_CACHE_DIR="$work/cache")
warm=$(measure warm PIP_CACHE_DIR="$work/cache")
build=$(grep '^installed torch' "$work/cold.log")
cat >"$root/bench/results_install.md" <<RESULTS
# make install: measured

Written by \`sh bench/install_time.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load average
$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end (a shared machine), packages from pip's configured
index (here a local mirror). $build.

Wall time depends on the machine's load; CPU time (user + system, all processes) much less.

| pip cache | wall time | CPU time |
|---|---|---|
| cold (empty) | $cold |
| warm | $warm |
RESULTS
cat "$root/bench/results_install.md"
