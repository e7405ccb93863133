#!/usr/bin/env bash
# `algomirror-node indicator supertrend`: one output row per bar, empty fields before the
# first valid bar, bad rows reported with their line numbers (exit code 2).
set -u
node=${1:?usage: indicator_cli.sh NODE DATA_DIR}
data=${2:?usage: indicator_cli.sh NODE DATA_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passes=0 failures=0
check() { if eval "$2"; then passes=$((passes + 1)); else failures=$((failures + 1)); echo "FAIL: $1"; fi; }

"$node" indicator supertrend --csv "$data/ohlc_400.csv" --period 10 --multiplier 2 >"$work/out.csv" 2>"$work/err.txt"
rc=$?
check "exit code 0" '[ $rc -eq 0 ]'
check "header" '[ "$(head -1 "$work/out.csv")" = "index,supertrend,direction" ]'
check "one row per bar" '[ "$(wc -l <"$work/out.csv")" -eq 401 ]'
check "empty before bar 9" '[ "$(sed -n 10p "$work/out.csv")" = "8,," ]'
check "valid from bar 9" 'sed -n 11p "$work/out.csv" | grep -qE "^9,[0-9.]+,1$"'
check "directions are -1 or 1" '[ "$(tail -n +11 "$work/out.csv" | cut -d, -f3 | sort -u | tr "\n" " ")" = "-1 1 " ]'

printf 'index,open,high,low,close\n0,1,2,0.5,1\n1,abc,2,1,1\n2,1,0.5,1,1\n' >"$work/bad.csv"
"$node" indicator supertrend --csv "$work/bad.csv" >/dev/null 2>"$work/err.txt"
rc=$?
check "bad rows exit 2" '[ $rc -eq 2 ]'
check "line 3 named" 'grep -q "line 3: open .abc. is not a number" "$work/err.txt"'
check "line 4 named" 'grep -q "line 4: high" "$work/err.txt"'
"$node" indicator supertrend --csv "$work/missing.csv" >/dev/null 2>&1
check "missing file exit 2" '[ $? -eq 2 ]'

echo "indicator_cli: $passes passed, $failures failed"
[ $failures -eq 0 ]
