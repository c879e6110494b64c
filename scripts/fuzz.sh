#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (10s unless set),
# one after another: `go test -fuzz` takes one target per run. The targets
# are found with `go test -list`, so a new FuzzXxx is fuzzed without
# touching this file.
#
#   scripts/fuzz.sh                 every target, 10 s each
#   FUZZTIME=5s scripts/fuzz.sh     a short run, as `make test` does
#   scripts/fuzz.sh Import          only targets whose "package.Name" matches
#
# A failing input is kept where Go writes it, testdata/fuzz/FuzzXxx/ in the
# target's package: commit it with the fix, and from then on plain `go test`
# runs it. FUZZMINIMIZETIME bounds how long Go shrinks an input (10s).
# Exits non-zero if any target fails, after running the rest.
set -uo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}
minimize=${FUZZMINIMIZETIME:-10s}
filter=${1:-}
export CGO_ENABLED=${CGO_ENABLED:-1} # SQLite in the server's targets

# `go test -list` prints a package's target names, then "ok <package> <time>";
# other lines (what a package's TestMain prints) are skipped.
if ! list=$(go test -list '^Fuzz' ./... 2>&1); then
	echo "$list" >&2
	echo "fuzz: пакеты не собираются, фаззинг не запущен (the packages do not build: nothing fuzzed)" >&2
	exit 1
fi
targets=()
names=()
while read -r first second _; do
	case "$first" in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in ${names[@]+"${names[@]}"}; do
			targets+=("$second.$n")
		done
		names=()
		;;
	FAIL | \?) names=() ;;
	esac
done <<<"$list"

if [ -n "$filter" ]; then
	kept=()
	for t in "${targets[@]}"; do
		if [[ "$t" =~ $filter ]]; then
			kept+=("$t")
		fi
	done
	targets=(${kept[@]+"${kept[@]}"})
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: нет целей для фаззинга (no fuzz targets)${filter:+ matching $filter}" >&2
	exit 1
fi

echo "fuzz: ${#targets[@]} целей по $fuzztime (${#targets[@]} targets, $fuzztime each)"
failed=()
began=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
	pkg=${t%.*}
	name=${t##*.}
	start=$SECONDS
	if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "$pkg" >"$log" 2>&1; then
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1)
		printf 'ok    %-20s %-24s %3ds  %s\n' "$name" "$pkg" $((SECONDS - start)) "${execs:-}"
		continue
	fi
	# Go 1.26's fuzzing coordinator can fail a target with a bare "context
	# deadline exceeded" as -fuzztime runs out (go.dev/issue/75804, fixed in
	# Go 1.27): no input failed, so it is told apart and let pass.
	if grep -qx '[[:space:]]*context deadline exceeded' "$log" &&
		! grep -q -e 'Failing input written' -e 'seed corpus' -e '^panic:' -e 'build failed' "$log"; then
		printf 'ok    %-20s %-24s %3ds  (Go: context deadline exceeded at the end, go.dev/issue/75804)\n' "$name" "$pkg" $((SECONDS - start))
		continue
	fi
	printf 'FAIL  %-20s %-24s %3ds\n' "$name" "$pkg" $((SECONDS - start))
	cat "$log"
	failed+=("$name ($pkg)")
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for input in $(grep -o 'testdata/fuzz/[^[:space:]]*' "$log" | sort -u); do
		echo "fuzz: входные данные сохранены (failing input kept): ${dir#"$PWD/"}/$input"
	done
done

echo "fuzz: $(( SECONDS - began )) с (s) на ${#targets[@]} целей (targets)"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: не прошли (failed):" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
