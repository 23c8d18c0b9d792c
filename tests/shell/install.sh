#!/bin/sh
# make install puts the binary, every man page and the completion scripts
# under PREFIX, and the installed binary finds its pages (xpu-perf help).
# Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v make >/dev/null || { echo "skipped: no make"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s --no-print-directory install DESTDIR="$tmp" PREFIX=/usr/local >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; exit 1; }
P=$tmp/usr/local
for f in bin/xpu-perf share/bash-completion/completions/xpu-perf \
	share/zsh/site-functions/_xpu-perf; do
	[ -f "$P/$f" ] || { echo "missing $f"; exit 1; }
done
for page in man/*.1; do
	cmp -s "$page" "$P/share/man/man1/$(basename "$page")" || { echo "missing $page"; exit 1; }
done
if [ -x /usr/bin/man ]; then
	MANPAGER=cat PAGER=cat "$P/bin/xpu-perf" help check | grep -q 'XPU-PERF-CHECK(1)' ||
		{ echo "help check did not show the installed page"; exit 1; }
fi
echo ok
