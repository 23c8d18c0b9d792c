# Sourced by the Python shell tests: find_pythons sets $PYTHONS to one
# CPython per supported minor version (3.10 to 3.13) present here, and
# says "SKIP: python3.X absent" for each minor it cannot find, so a
# machine without one is a named skip of that version, not a failure.
# Debian's /usr/bin/python3.X stands for its minor when present; otherwise
# the newest pyenv build of it ($PYENV_ROOT, else ~/.pyenv). With `all`,
# both where both exist (the GPU launch test runs every build it finds).
find_pythons() {
	PYTHONS=
	pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
	for minor in 3.10 3.11 3.12 3.13; do
		system=/usr/bin/python$minor
		# The newest patch release: versions sort by their numbers.
		built=$(cd "$pyenv_root/versions" 2>/dev/null && ls -d "$minor".* 2>/dev/null |
			sort -t. -k3,3n | tail -n 1)
		built=${built:+$pyenv_root/versions/$built/bin/python$minor}
		[ -n "$built" ] && [ ! -x "$built" ] && built=
		[ -x "$system" ] || system=
		if [ -n "$system" ]; then
			PYTHONS="$PYTHONS $system"
			[ "${1:-}" = all ] && [ -n "$built" ] && PYTHONS="$PYTHONS $built"
		elif [ -n "$built" ]; then
			PYTHONS="$PYTHONS $built"
		else
			echo "SKIP: python$minor absent"
		fi
	done
}
