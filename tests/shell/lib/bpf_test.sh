# Sourced by the shell tests that load BPF: moves to the repository root,
# skips (exit 2) unless root, and gives a scratch directory $tmp that is
# removed on exit (plus whatever $cleanup names, run first).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
if [ "$(id -u)" != 0 ]; then
	echo "skipped: loads BPF, needs root"
	exit 2
fi
tmp=$(mktemp -d)
cleanup=:
trap 'eval "$cleanup"; rm -rf "$tmp"' EXIT
