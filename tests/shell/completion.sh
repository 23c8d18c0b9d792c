#!/bin/sh
# The bash completion script (build/completion/xpu-perf.bash, generated from
# the binary's command-line definitions) loads in bash, registers itself,
# and completes commands, a command's options, option values, and the
# command line after `record`. Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v bash >/dev/null || { echo "skipped: no bash"; exit 2; }
script=build/completion/xpu-perf.bash
[ -r "$script" ] || { echo "no $script (make completion)"; exit 1; }
# The generated file is the binary's own output.
build/xpu-perf completion bash | cmp -s - "$script" || { echo "$script is stale"; exit 1; }

exec bash --norc --noprofile -c '
set -u
. "$1" || exit 1
[ "$(complete -p xpu-perf)" = "complete -o default -F _xpu_perf xpu-perf" ] || {
	echo "not registered: $(complete -p xpu-perf 2>&1)"; exit 1; }
fails=0
# expect "WORDS..." "EXPECTED COMPREPLY": the last word is the one completed.
expect() {
	read -ra COMP_WORDS <<<"$1"
	case $1 in *" ") COMP_WORDS+=(""); esac
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_xpu_perf
	got="${COMPREPLY[*]}"
	if [ "$got" = "$2" ]; then echo "ok: [$1] -> [$got]"
	else echo "FAIL: [$1] -> [$got], want [$2]"; fails=$((fails + 1)); fi
}
expect "xpu-perf " "record report top live tune check help"
expect "xpu-perf re" "record report"
expect "xpu-perf -v ch" "check"
expect "xpu-perf --ver" "--version --verbose"
expect "xpu-perf --color " "auto always never"
expect "xpu-perf --color never rec" "record"
expect "xpu-perf check --" "--help --binary --format"
expect "xpu-perf check --format " "text json"
expect "xpu-perf report --sort t" "total"
expect "xpu-perf record --off" "--off-cpu --off-cpu-only"
expect "xpu-perf record -F 99 --dur" "--duration"
expect "xpu-perf record -o " ""
expect "xpu-perf help rep" "report"
expect "xpu-perf help report " ""
expect "xpu-perf record -F 99 xpu-perf-no-such-prog" ""
# The command to profile completes as a command name.
read -ra COMP_WORDS <<<"xpu-perf record -F 99 bas"; COMP_CWORD=4; _xpu_perf
case " ${COMPREPLY[*]} " in *" bash "*) echo "ok: record ... bas -> bash" ;;
*) echo "FAIL: record ... bas -> [${COMPREPLY[*]}]"; fails=$((fails + 1)) ;; esac
expect "xpu-perf record ./app --fr" ""
[ "$fails" = 0 ]
' sh "$script"
