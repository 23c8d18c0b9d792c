#!/bin/sh
# A code object freed and another allocated at its address must not share
# its name: tests/fixtures/python/code_reuse.py runs spin_first, frees its
# code object, and runs spin_second from a new one at the same address
# (with a different fingerprint, which the fixture makes sure of), each
# for 0.5 s of CPU time. At 499 Hz each has ~250 samples: each name must get
# at most its own time (a shared entry would give one name both phases), and
# spin_second at least 80% of it. spin_first's names are read while it runs
# (every 200 ms), so most of its samples are named too (>= 60%). Each
# interpreter present; an absent one is a skip, by name.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

ran=0
find_pythons
for py in $PYTHONS; do
	$B/xpu-perf record -F 499 --cpu-only -o "$tmp/out.folded" "$py" \
		tests/fixtures/python/code_reuse.py 0.5 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	if ! grep -q "^reuse: yes" "$tmp/err"; then
		echo "SKIP: $py: the allocator never put the second code object where the first was"
		continue
	fi
	ran=1
	python3 - "$tmp/out.folded" "$py" <<'PY' || { cat "$tmp/err"; exit 1; }
import sys
folded, py = sys.argv[1:3]
w = {"spin_first": 0, "spin_second": 0}
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    for name in w:
        if f";{name} ({name}.py:" in stack:
            w[name] += int(n)
truth = 0.5 * 499
print(f"{py}: spin_first {w['spin_first']}, spin_second {w['spin_second']} samples (truth ~{truth:.0f} each)")
ok = all(v <= truth * 1.15 for v in w.values())
ok = ok and w["spin_second"] >= truth * 0.8 and w["spin_first"] >= truth * 0.6
sys.exit(0 if ok else 1)
PY
done
[ $ran = 1 ] || { echo "SKIP: no interpreter where the code object was reused"; exit 2; }
echo ok
