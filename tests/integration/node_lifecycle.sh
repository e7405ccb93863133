#!/usr/bin/env bash
# The node binary: rejects bad options with exit code 2 and a message naming the option,
# starts on SQLite, and stops cleanly (exit 0) on SIGTERM and SIGINT.
set -u
node=${1:?usage: node_lifecycle.sh PATH_TO_ALGOMIRROR_NODE}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
failures=0
passes=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_rejected() { # expected-text args...
  local text=$1; shift
  "$node" "$@" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne 2 ]; then fail "'$*' exited $rc, expected 2"; cat err.txt; return; fi
  if ! grep -qF -- "$text" err.txt; then fail "'$*': error lacks '$text':"; cat err.txt; return; fi
  pass
}

expect_rejected "--clock-speed" --clock-speed=0
expect_rejected "'0'" --clock-speed=0
expect_rejected "trace, debug, info" --log-level verbose
expect_rejected "--db" --db mysql://localhost/x
expect_rejected "--scheduler-threads" --scheduler-threads 0
expect_rejected "--bogus" --bogus
printf 'scheduler-policy = random\n' > bad.conf
expect_rejected "line 1" --config bad.conf
ALGOMIRROR_CLOCK_SPEED=-1 "$node" >/dev/null 2>err.txt
if [ $? -eq 2 ] && grep -q "clock-speed" err.txt; then pass; else fail "env ALGOMIRROR_CLOCK_SPEED=-1 not rejected"; cat err.txt; fi

# --help and --version exit 0.
if "$node" --help >help.txt 2>&1 && grep -q -- "--clock-start" help.txt && grep -q "sqlite:algomirror.db" help.txt; then pass; else fail "--help"; cat help.txt; fi
if "$node" --version | grep -q "algomirror-node"; then pass; else fail "--version"; fi

# Start, wait for the start line in the log file (no sleeps for synchronisation: poll the log
# with a deadline), then stop with a signal.
start_and_stop() { # signal
  local sig=$1
  local log="node-$sig.log"
  rm -f "$log"
  "$node" --db "sqlite:$work/node.db" --log-file "$log" --clock-start 2026-11-25T09:15:00+05:30 \
    --clock-speed 10 >"stdout-$sig.txt" 2>"stderr-$sig.txt" &
  local pid=$!
  local deadline=$((SECONDS + 30))
  until grep -q "started" "$log" 2>/dev/null; do
    if ! kill -0 $pid 2>/dev/null; then fail "node died at start ($sig)"; cat "stderr-$sig.txt"; return; fi
    if [ $SECONDS -ge $deadline ]; then fail "node did not log its start within 30 s"; kill -9 $pid; return; fi
    read -r -t 0.05 <> <(:) || true
  done
  grep -q "2026-11-25 09:1" "$log" || fail "start line lacks the --clock-start time"
  kill -"$sig" $pid
  wait $pid
  local rc=$?
  if [ $rc -ne 0 ]; then fail "exit code $rc after SIG$sig"; cat "stderr-$sig.txt"; return; fi
  grep -q "persistence flushed" "$log" || { fail "no flush logged after SIG$sig"; cat "$log"; return; }
  grep -q "algomirror-node stopped" "$log" || { fail "no stop logged after SIG$sig"; return; }
  [ -f "$work/node.db" ] || { fail "no SQLite database created"; return; }
  pass
}
start_and_stop TERM
start_and_stop INT

# JSON log lines parse as JSON.
"$node" --db "sqlite:$work/json.db" --log-file json.log --log-json >/dev/null 2>&1 &
pid=$!
deadline=$((SECONDS + 30))
until grep -q "started" json.log 2>/dev/null || [ $SECONDS -ge $deadline ]; do read -r -t 0.05 <> <(:) || true; done
kill -TERM $pid; wait $pid
if python3 -c 'import json,sys; [json.loads(l) for l in open("json.log")]' 2>/dev/null; then pass; else fail "JSON log lines do not parse"; head -3 json.log; fi

echo "node_lifecycle: $passes passed, $failures failed"
[ $failures -eq 0 ]
