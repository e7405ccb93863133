# Sourced by the command-line tests (accounts_cli.sh, calendar_cli.sh): the pass/fail
# counters and `run EXPECTED-RC ARGS...` (the node "$node" on "$db", its output kept as
# out-N.txt and err-N.txt) with `said TEXT` (in the last command's output).
failures=0
passes=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
n=0
run() { # expected-rc args...
  local want=$1; shift
  n=$((n + 1))
  "$node" --db "$db" "$@" >"out-$n.txt" 2>"err-$n.txt"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "'$*' exited $rc, expected $want"; cat "out-$n.txt" "err-$n.txt"; return 1
  fi
  pass
}
said() { # text (in the last command's output)
  if grep -qF -- "$1" "out-$n.txt" "err-$n.txt"; then pass; else
    fail "output of command $n lacks '$1'"; cat "out-$n.txt" "err-$n.txt"; fi
}
