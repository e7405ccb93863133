#!/usr/bin/env bash
# Users and accounts from the command line, against a running openalgo-sim: the password
# policy, the first user as admin, encrypted API keys under the master key, exactly one
# primary, clear errors for bad input, `account test`, the node starting every account — and no
# API key or password anywhere in the database file, the log file or any output.
set -u
. "$(dirname "$(realpath "$0")")/cli_checks.sh"
node=$(realpath "${1:?usage: accounts_cli.sh ALGOMIRROR_NODE OPENALGO_SIM}")
sim=$(realpath "${2:?usage: accounts_cli.sh ALGOMIRROR_NODE OPENALGO_SIM}")
examples=$(realpath "$(dirname "$(realpath "$0")")/../../etc/strategies")
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 2

key_a=$(printf 'a%.0s' {1..64})
key_b=$(printf 'b%.0s' {1..64})
key_c=$(printf 'c%.0s' {1..64})
password='Tr4ding#Desk'
db="sqlite:$work/node.db"

# Every command's output is kept: the secrets check reads all of it at the end.

# The simulator, three accounts on ports it picks; its start lines give the ports.
printf 'alpha,%s,0,0\nbeta,%s,0,0\ngamma,%s,0,0\n' "$key_a" "$key_b" "$key_c" > sim-accounts.csv
mkfifo sim.fifo
"$sim" --accounts sim-accounts.csv --clock-start 2026-11-25T10:00:00+05:30 >/dev/null 2>sim.fifo &
sim_pid=$!
exec 3<sim.fifo
declare -A http=() ws=()
while IFS= read -r -t 30 line <&3; do
  if [[ $line =~ account\ ([a-z]+)\ on\ http://127\.0\.0\.1:([0-9]+)\ ws://127\.0\.0\.1:([0-9]+) ]]; then
    http[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    ws[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
  fi
  [ ${#http[@]} -eq 3 ] && break
done
cat <&3 >/dev/null &
exec 3<&-
[ ${#http[@]} -eq 3 ] || { echo "FAIL: the simulator did not start"; exit 1; }

# A database that is not there: commands that only read refuse it (they would read an empty,
# new one); the first that writes says it made one.
run 1 strategy list && said "no database at '$work/node.db'"
[ ! -e "$work/node.db" ] && pass || fail "a read-only command made the database file"
run 1 --rollback 1 && said "no database at"

# Users: the password policy, then the first user is the admin.
ALGOMIRROR_PASSWORD=password run 2 user add --username trader --email t@example.in && said "common"
said "created a new database at $work/node.db"
ALGOMIRROR_PASSWORD=short run 2 user add --username trader --email t@example.in && said "8"
ALGOMIRROR_PASSWORD=$password run 2 user add --username trader --email not-an-email && said "--email"
ALGOMIRROR_PASSWORD=$password run 0 user add --username trader --email t@example.in && said "(admin)"
ALGOMIRROR_PASSWORD=$password run 0 user add --username second --email s@example.in
if grep -q admin "out-$n.txt"; then fail "the second user became an admin"; else pass; fi
ALGOMIRROR_PASSWORD=$password run 2 user add --username trader --email x@example.in && said "exists already"

# Accounts need the master key.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > master.key
chmod 600 master.key
other_key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
add() { # rc name key port-name extra...
  local rc=$1 name=$2 key=$3 at=$4; shift 4
  run "$rc" --master-key-file master.key account add --name "$name" --broker sim \
    --host "http://127.0.0.1:${http[$at]}" --ws-url "ws://127.0.0.1:${ws[$at]}" --api-key "$key" "$@"
}
run 2 account add --name alpha --broker sim --api-key "$key_a" && said "master key"
add 0 alpha "$key_a" alpha && said "(primary)"
add 0 beta "$key_b" beta --priority 2
add 0 gamma "$key_c" gamma --priority 1
add 2 beta "$key_b" beta && said "already"
run 2 --master-key-file master.key account add --name delta --broker sim --host ftp://x --api-key k && said "--host"
run 2 --master-key-file master.key account add --name delta --broker sim --ws-url http://x:1 --api-key k && said "--ws-url"
run 2 --master-key-file master.key account add --name delta --broker sim --api-key k --user nobody && said "nobody"
chmod 644 master.key
run 2 --master-key-file master.key account add --name delta --broker sim --api-key k && said "chmod 600"
chmod 600 master.key

run 0 account list
if [ "$(grep -c $'\tyes\t[0-9]*\tyes\t' "out-$n.txt")" -eq 1 ] && grep -q $'^alpha\tsandbox.*\tyes\t0\t' "out-$n.txt"; then pass; else fail "exactly one primary (alpha)"; cat "out-$n.txt"; fi

# account test: the broker's name; a wrong master key is refused without a secret in sight.
run 0 --master-key-file master.key account test beta && said "broker sandbox"
ALGOMIRROR_MASTER_KEY=$other_key run 2 account test beta && said "master key"
run 2 --master-key-file master.key account test nosuch && said "alpha"

# set-primary moves the flag; removing the primary promotes the oldest remaining account.
run 0 account set-primary gamma
run 0 account list
if grep -q $'^gamma\tsandbox.*\tyes\t1\t' "out-$n.txt" && [ "$(grep -c $'\tyes\t[0-9]*\tyes\t' "out-$n.txt")" -eq 1 ]; then pass; else fail "gamma primary"; cat "out-$n.txt"; fi
run 0 account remove gamma && said "'alpha' is the primary now"

# Strategies as data: the examples import, a bad file names every bad field and changes
# nothing, accounts are given by name, export → import → export is stable, delete.
for f in "$examples"/*.json; do run 0 strategy import "$f" && said "created"; done
run 0 strategy list
if [ "$(wc -l <"out-$n.txt")" -eq 4 ] && grep -q "^NIFTY short straddle with hedges	4	account	6000	9000	percentage 20	" "out-$n.txt"; then pass; else fail "strategy list"; cat "out-$n.txt"; fi
cat > bad-strategy.json <<'JSON'
{"name": "bad", "max_los": 1, "accounts": ["alpha"],
 "legs": [{"underlying": "BANKNIFTY", "expiry": "current_week", "action": "SELL", "option_type": "CE",
           "strike": "strike_price", "strike_price": 48030}]}
JSON
run 2 strategy import bad-strategy.json && said "max_los: is not a known field" && said "legs[0].expiry" && said "legs[0].strike_price: strike_price 48030 is not a multiple"
run 0 strategy list
if grep -q "^bad" "out-$n.txt"; then fail "a bad strategy was saved"; else pass; fi
sed 's/"risk_scope": "run",/"risk_scope": "run", "accounts": ["alpha", "beta"],/' "$examples/bull_call_spread.json" > spread.json
run 0 strategy import spread.json && said "replaced"
run 0 strategy export --out exported.json
run 0 strategy import exported.json
run 0 strategy export --out exported-again.json
if cmp -s exported.json exported-again.json && grep -q '"alpha"' exported.json; then pass; else fail "export → import → export differs"; diff exported.json exported-again.json; fi
sed 's/"alpha"/"nosuch"/' spread.json > unknown-account.json
run 2 strategy import unknown-account.json && said "'nosuch' is not an account"
run 0 strategy delete "NIFTY futures with Supertrend exit" && said "deleted"
run 2 strategy delete "NIFTY futures with Supertrend exit" && said "not found"

# The node starts every account (the primary carries the feed) and stops cleanly.
"$node" --db "$db" >node-nokey.txt 2>&1
if [ $? -eq 2 ] && grep -q "ALGOMIRROR_MASTER_KEY" node-nokey.txt; then pass; else fail "node without the master key"; cat node-nokey.txt; fi
mkfifo node.fifo
"$node" --db "$db" --master-key-file master.key --log-file node.log --ping-interval-ms 200 \
  --clock-start 2026-11-25T10:00:00+05:30 >node-out.txt 2>node.fifo &
node_pid=$!
exec 4<node.fifo
connected=0
while IFS= read -r -t 30 line <&4; do
  echo "$line" >>node-err.txt
  [[ $line == *"account "*": connected"* ]] && connected=$((connected + 1))
  [ $connected -eq 2 ] && break
done
cat <&4 >>node-err.txt &
drain=$!
exec 4<&-
if [ $connected -eq 2 ]; then pass; else fail "the node did not connect both accounts"; cat node-err.txt; fi
kill -TERM $node_pid
wait $node_pid
rc=$?
wait $drain 2>/dev/null
if [ $rc -eq 0 ]; then pass; else fail "node exit code $rc"; fi
stored=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/node.db').execute(\"SELECT COUNT(*) FROM trading_accounts WHERE connection_status = 'connected'\").fetchone()[0])")
if [ "$stored" = 2 ]; then pass; else fail "connection status not stored ($stored connected)"; fi

# Secrets: no API key, no master key and no password in the database, the log or any output
# (which must exist and hold something, or the search proves nothing).
for f in node.db node.log node-err.txt; do
  if [ -s "$f" ]; then pass; else fail "$f is missing or empty: the secrets search would prove nothing"; fi
done
for secret in "$key_a" "$key_b" "$key_c" "$password" "$(cat master.key)"; do
  hits=$(grep -l -F -- "$secret" node.db* node.log* out-*.txt err-*.txt node-*.txt 2>/dev/null)
  if [ -z "$hits" ]; then pass; else fail "a secret (${secret:0:4}…) appears in: $hits"; fi
done
# The keys are stored, encrypted.
if grep -a -q "v1:" node.db*; then pass; else fail "no encrypted key in the database"; fi

echo "accounts_cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
