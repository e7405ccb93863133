#!/usr/bin/env bash
# The README's main command, end to end: `algomirror-node demo` starts openalgo-sim with three
# accounts, runs the hedged straddle, the scripted rally breaches the max loss on every
# account, and the demo ends with its summary. Checked in the database it leaves: every
# account entered its hedges before its shorts and exited its shorts before its hedges (order
# ids are the simulator's arrival order), every leg exited for max_loss, one risk event per
# account, the realized P&L of the summary is the database's — and no API key anywhere.
set -u
node=$(realpath "${1:?usage: demo.sh ALGOMIRROR_NODE}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

start=$(date +%s)
"$node" demo --dir "$work/demo" --speed 20 --limit 120 >out.txt 2>err.txt
rc=$?
took=$(( $(date +%s) - start ))
echo "demo exited $rc after ${took} s"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the demo exited $rc"; tail -40 out.txt err.txt; exit 1
fi

python3 - "$work/demo" out.txt <<'EOF'
import json, re, sqlite3, sys
demo, out_path = sys.argv[1], sys.argv[2]
out = open(out_path).read()
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)
check("Summary of run" in out and "finished, max_loss" in out, "the summary says the run finished on max_loss")
db = sqlite3.connect(f"{demo}/demo.db")
rows = db.execute("SELECT account_id, action, status, exit_reason, entry_order_ids, exit_order_ids, "
                  "realized_pnl FROM strategy_executions").fetchall()
check(len(rows) == 12, f"12 executions (3 accounts x 4 legs), found {len(rows)}")
by_account = {}
for account, action, status, reason, entry_ids, exit_ids, pnl in rows:
    check(status == "exited" and reason == "max_loss", f"account {account} {action}: {status}/{reason}")
    by_account.setdefault(account, []).append((action, json.loads(entry_ids), json.loads(exit_ids), pnl))
for account, legs in by_account.items():
    buys = [int(i) for a, e, x, p in legs if a == "BUY" for i in e]
    sells = [int(i) for a, e, x, p in legs if a == "SELL" for i in e]
    check(buys and sells and max(buys) < min(sells), f"account {account}: BUY legs entered before SELL legs ({buys} vs {sells})")
    short_exits = [int(i) for a, e, x, p in legs if a == "SELL" for i in x]
    long_exits = [int(i) for a, e, x, p in legs if a == "BUY" for i in x]
    check(short_exits and long_exits and max(short_exits) < min(long_exits), f"account {account}: shorts exited before longs")
    total = sum(p for a, e, x, p in legs)
    names = dict(db.execute("SELECT id, account_name FROM trading_accounts").fetchall())
    m = re.search(rf"^\s+{names[account]}\s+([-+][0-9.]+)\s+8\s+4/4$", out, re.M)
    check(m and abs(float(m.group(1)) - total) < 0.01, f"account {names[account]}: summary P&L equals the database's {total:.2f}")
events = db.execute("SELECT account_id, event_type FROM risk_events WHERE action_taken IN ('exit_all', 'exit_account')").fetchall()
check(sorted(e[1] for e in events) == ["max_loss"] * 3, f"one max_loss event per account, found {events}")
completed = db.execute("SELECT account_id, details FROM risk_events WHERE action_taken = 'exit_completed'").fetchall()
check(sorted(a for a, _ in completed) == sorted(a for a, _ in events) and all('"exit_orders":"' in d and '"exit_orders":""' not in d for _, d in completed),
      f"each account's exit completed, naming its orders: {completed}")
run = db.execute("SELECT status, end_reason, max_loss_fired FROM strategy_runs").fetchall()
check(run == [("finished", "max_loss", 1)], f"the run row: {run}")
for line in open(f"{demo}/sim-accounts.csv"):
    key = line.split(",")[1]
    for path in (f"{demo}/demo.db", f"{demo}/algomirror-node.log", out_path):
        check(key.encode() not in open(path, "rb").read(), f"an API key in {path}")
for f in failures:
    print("FAIL:", f)
print(f"{len(failures)} failed checks" if failures else "all demo checks passed")
sys.exit(1 if failures else 0)
EOF
