#!/bin/sh
# Install the Debian packages of the system commands the tests drive from outside Python,
# but only those missing: mkdssp -> dssp, chromium -> chromium, node -> nodejs, npm -> npm.
#
# npm is not apt-installed next to a Node.js that is not Debian's (NodeSource's nodejs
# package ships npm itself and Conflicts: npm; nvm and tarballs bring their own).
# apt's output is shown, and a failed install fails (exit 1) with apt's own error above.
#
#   tools/system_deps.sh            install what is missing (as root with apt-get), else say what is
#   tools/system_deps.sh --plan     print the packages that would be installed, one line, and exit
set -u

plan_only=0
[ "${1:-}" = "--plan" ] && plan_only=1

has() { command -v "$1" >/dev/null 2>&1; }

package_of() {
	case "$1" in
		mkdssp) echo dssp ;;
		chromium) echo chromium ;;
		node) echo nodejs ;;
		npm) echo npm ;;
		*) echo "$1" ;;
	esac
}

# True when `node` on PATH is the file of Debian's own nodejs package (not NodeSource's, not nvm's).
node_is_debian() {
	node_path=$(command -v node) || return 1
	has dpkg || return 1
	owner=$(dpkg -S "$node_path" 2>/dev/null | head -n 1 | cut -d: -f1) || return 1
	[ "$owner" = nodejs ] || return 1
	version=$(dpkg-query -W -f='${Version}' nodejs 2>/dev/null) || return 1
	case "$version" in *nodesource*) return 1 ;; esac
	return 0
}

missing=""
packages=""
notes=""
for command in mkdssp chromium node npm; do
	has "$command" && continue
	missing="$missing $command"
	if [ "$command" = npm ] && has node && ! node_is_debian; then
		notes="${notes}note: npm is missing but node ($(command -v node)) is not Debian's nodejs; not installing Debian's npm (it conflicts with NodeSource's nodejs, which includes npm): install npm with your Node.js
"
		continue
	fi
	packages="$packages $(package_of "$command")"
done
packages=${packages# }

printf '%s' "$notes" >&2
if [ "$plan_only" = 1 ]; then
	echo "$packages"
	exit 0
fi
[ -z "$packages" ] && exit 0

if [ "$(id -u)" = 0 ] && has apt-get; then
	echo "installing $packages (missing:$missing)"
	if ! apt-get update -q; then
		echo "error: apt-get update failed (see above); install the Debian packages $packages yourself" >&2
		exit 1
	fi
	# shellcheck disable=SC2086  # one word per package
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages; then
		echo "error: apt-get install $packages failed (apt's message is above)" >&2
		exit 1
	fi
else
	echo "note: missing$missing; install the Debian packages: $packages" >&2
fi
