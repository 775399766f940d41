#!/usr/bin/env bash
# Line and branch coverage of handler/ and functions/ from the .gcda files a
# `make coverage` run left in BUILD (default build/coverage): one summary line
# per directory, the per-file table of each in BUILD/report/*.txt and an HTML
# report in BUILD/report/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/coverage}
# shellcheck source=tests/lib/tools.sh
source tests/lib/tools.sh
require_tools coverage gcovr gcov
find "$build" -name '*.gcda' -print -quit | grep -q . ||
	{ echo "coverage: no .gcda file under $build: run make coverage" >&2; exit 1; }
mkdir -p "$build/report"

# gcovr's summary: "lines: 84.1% (1234 out of 1467)" and "branches: ...".
summary() { # NAME FILTER
	local out
	out=$(gcovr -r . --object-directory "$build" --filter "$PWD/$2" --exclude-unreachable-branches \
		--print-summary -o "$build/report/$1.txt" "$build" 2>"$build/report/$1.err")
	printf 'coverage: %-10s %s, %s\n' "$1/" \
		"$(sed -n 's/^lines: /lines /p' <<<"$out")" "$(sed -n 's/^branches: /branches /p' <<<"$out")"
}
summary handler handler/
summary functions functions/
gcovr -r . --object-directory "$build" --filter "$PWD/handler/" --filter "$PWD/functions/" \
	--exclude-unreachable-branches --html-details "$build/report/index.html" "$build" 2>/dev/null || true
echo "coverage: per-file tables in $build/report/{handler,functions}.txt, HTML in $build/report/index.html"
