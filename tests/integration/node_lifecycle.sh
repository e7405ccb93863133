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

# Start, wait for the start line on the console, then stop with a signal.
# Starts the node with its console on a FIFO and waits (blocking reads, 30 s deadline) for a
# line matching $2; the rest of the console is drained in the background.
start_node() { # name pattern args...
  local name=$1 pattern=$2
  shift 2
  rm -f "$name.fifo"
  mkfifo "$name.fifo"
  "$node" "$@" >"stdout-$name.txt" 2>"$name.fifo" &
  node_pid=$!
  exec 3<"$name.fifo"
  local line found=0
  while IFS= read -r -t 30 line <&3; do
    echo "$line" >>"stderr-$name.txt"
    if [[ $line == *$pattern* ]]; then found=1; break; fi
  done
  cat <&3 >>"stderr-$name.txt" &
  exec 3<&-
  return $((1 - found))
}

start_and_stop() { # signal
  local sig=$1
  local log="node-$sig.log"
  rm -f "$log"
  if ! start_node "$sig" "started" --db "sqlite:$work/node.db" --log-file "$log" \
      --clock-start 2026-11-25T09:15:00+05:30 --clock-speed 10; then
    fail "node did not start within 30 s ($sig)"; cat "stderr-$sig.txt"; kill -9 $node_pid 2>/dev/null; return
  fi
  kill -"$sig" $node_pid
  wait $node_pid
  local rc=$?
  if [ $rc -ne 0 ]; then fail "exit code $rc after SIG$sig"; cat "stderr-$sig.txt"; return; fi
  grep -q "persistence flushed" "$log" || { fail "no flush logged after SIG$sig"; cat "$log"; return; }
  grep -q "algomirror-node stopped" "$log" || { fail "no stop logged after SIG$sig"; return; }
  grep -q "started.*clock 2026-11-25 09:1" "$log" || { fail "start line lacks the --clock-start time"; return; }
  [ -f "$work/node.db" ] || { fail "no SQLite database created"; return; }
  pass
}
start_and_stop TERM
start_and_stop INT

# JSON log lines parse as JSON.
if start_node json "started" --db "sqlite:$work/json.db" --log-file json.log --log-json; then
  kill -TERM $node_pid; wait $node_pid
  if python3 -c 'import json,sys; [json.loads(l) for l in open("json.log")]' 2>/dev/null; then pass; else fail "JSON log lines do not parse"; head -3 json.log; fi
else
  fail "node with --log-json did not start"; kill -9 $node_pid 2>/dev/null
fi

echo "node_lifecycle: $passes passed, $failures failed"
[ $failures -eq 0 ]
