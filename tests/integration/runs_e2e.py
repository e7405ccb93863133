#!/usr/bin/env python3
"""Strategy runs end to end: the real algomirror-node against the real openalgo-sim (three
accounts over loopback), on SQLite or PostgreSQL. The broker is the truth: every check reads
the simulator's ledger (every order request it received), its orderbook and its positionbook.

Scenarios (each a strategy of its own; prices moved through the simulator's control endpoint):
  straddle  4 legs on 3 accounts: BUY legs before SELL legs per account; max loss; shorts
            exited before longs; realized P&L equals the simulator's.
  legs      leg take-profit and leg stop-loss on one account.
  profit    max profit.            trailing   the trailing stop after a peak.
  squareoff square-off time.
  supertrend a Supertrend exit seeded from history, decided on a closed live bar.
  faults    500s, 429s, a request that never answers, a rejected exit and a WebSocket stall:
            every position still exits, no order twice.
  crash_entry / crash_exit   kill -9 of the node during entry / during exit, restart, and the
            database ends equal to the broker: flat, nothing sent twice.
  coherence a hedged straddle (max loss 1,000) on 3 accounts under the simulator's spread ticks:
            20 moves of 100 points fire nothing; a 700-point move fires max loss on every
            account within the coherence timeout.
  mis_night a MIS strategy at 16:00 IST is refused before any order.
  freeze    28 lots in freeze-split children under the sandbox's position race: one after
            another the positionbook is right; sent together it is wrong, and the exit is
            sized by the smaller of positionbook and tradebook (never a reverse position).
  books     last: orders, positions and margin_trackers equal the broker's orderbook,
            positionbook and ledger, order by order.
usage: runs_e2e.py ALGOMIRROR_NODE OPENALGO_SIM [DB_URL] [SCENARIO ...]"""
import datetime, json, os, re, signal, sqlite3, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import fresh_pg_database, post, start_sim
from harness import query as query_db

node, sim = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
work = tempfile.mkdtemp(prefix="algomirror-e2e-")
db_url = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else f"sqlite:{work}/e2e.db"
if db_url == "postgresql-fresh":  # a database of its own on the test server (CTest's fixture)
    db_url = fresh_pg_database("e2e")
wanted = sys.argv[4:] or ["straddle", "legs", "profit", "trailing", "supertrend", "squareoff",
                          "faults", "crash_entry", "crash_exit", "coherence", "mis_night",
                          "freeze", "books"]
passes = failures = 0
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
CLOCK_START = datetime.datetime(2026, 11, 25, 10, 0, 0, tzinfo=IST)
t0 = time.time()


def check(name, ok, detail=""):
    global passes, failures
    if ok:
        passes += 1
    else:
        failures += 1
        print(f"FAIL: {name} {detail}", flush=True)
    return ok


def market_now():
    """The simulator's clock (speed 1 from CLOCK_START when it started): every node started
    later is given the same instant."""
    return CLOCK_START + datetime.timedelta(seconds=time.time() - t0)




# -- the simulator ---------------------------------------------------------------------------
names = ["alpha", "beta", "gamma"]
keys = {n: (n[0] * 64) for n in names}
sim_proc, ports = start_sim(sim, work, keys, CLOCK_START)
http = {n: ports[n][0] for n in names}


def spot(value):
    post(http["alpha"], "/control/spot", {"NIFTY": value})


def ledger(n):
    return post(http[n], "/control/ledger", {})["ledger"]


def orderbook(n):
    return post(http[n], "/api/v1/orderbook", {"apikey": keys[n]})["data"]["orders"]


def positions(n):
    return post(http[n], "/api/v1/positionbook", {"apikey": keys[n]})["data"]


def pnl_by_symbol(n):
    return {p["symbol"]: float(p["pnl"]) for p in positions(n)}


def net_by_symbol(n):
    return {p["symbol"]: int(p["quantity"]) for p in positions(n)}


# -- the database ----------------------------------------------------------------------------
def query(sql):
    return query_db(db_url, sql)


# -- the node --------------------------------------------------------------------------------
master = f"{work}/master.key"
with open(master, "w") as f:
    f.write(os.urandom(32).hex())
os.chmod(master, 0o600)
common = ["--db", db_url, "--master-key-file", master, "--log-file", f"{work}/node.log",
          "--status-poll-ms", "250", "--unknown-settle-ms", "300", "--exit-retry-ms", "1000",
          "--feed-stall-ms", "1500", "--request-timeout-ms", "3000", "--shutdown-timeout", "10"]


def cli(*args, expect=0):
    env = dict(os.environ, ALGOMIRROR_PASSWORD="Tr4ding#Desk")
    r = subprocess.run([node, *common, *args], capture_output=True, text=True, env=env)
    check(f"{' '.join(args[:3])} exits {expect}", r.returncode == expect, r.stdout + r.stderr)
    return r


class node_process:
    """A node (`run NAME`, or the long-running node when name is None) with its output kept."""

    def __init__(self, name=None, extra=(), clock=None, run_extra=()):
        args = [node, *common, "--clock-start", (clock or market_now()).isoformat(), *extra]
        if name:
            args += ["run", name, *run_extra]
        self.lines = []
        self.cv = threading.Condition()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line)
                self.cv.notify_all()

    def wait_for(self, pattern, timeout=60):
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        with self.cv:
            while time.time() < deadline:
                if any(rx.search(l) for l in self.lines):
                    return True
                self.cv.wait(0.2)
        return False

    def finish(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -1

    def output(self):
        with self.cv:
            return "".join(self.lines[-60:])


def wait_db(sql, predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = query(sql)
        if predicate(rows):
            return rows
        time.sleep(0.25)  # polling another process's database: there is no message to wait on
    return query(sql)


# -- set-up ----------------------------------------------------------------------------------
cli("user", "add", "--username", "trader", "--email", "t@example.in")
for n in names:
    cli("account", "add", "--name", n, "--broker", "sim", "--host", f"http://127.0.0.1:{http[n]}",
        "--ws-url", f"ws://127.0.0.1:{ports[n][1]}", "--api-key", keys[n],
        *(["--primary"] if n == "alpha" else []))


def leg(action, opt, strike="ATM", offset=0, **extra):
    d = {"underlying": "NIFTY", "product": "options", "expiry": "current_week", "action": action,
         "option_type": opt, "strike": strike, "lots": 1}
    if offset:
        d["strike_offset"] = offset
    d.update(extra)
    return d


def straddle(name, **risk):
    s = {"name": name, "risk_profile": "fixed_lots", "risk_scope": "account", "product": "MIS",
         "accounts": names,
         "legs": [leg("BUY", "CE", "OTM", 4), leg("BUY", "PE", "OTM", 4), leg("SELL", "CE"),
                  leg("SELL", "PE")]}
    s.update(risk)
    return s


def strategy(doc):
    path = f"{work}/{re.sub(r'[^a-z]+', '_', doc['name'])}.json"
    with open(path, "w") as f:
        json.dump(doc, f)
    cli("strategy", "import", path)


def run_id_of(name):
    rows = query("SELECT r.id FROM strategy_runs r JOIN strategies s ON s.id = r.strategy_id "
                 f"WHERE s.name = '{name}' ORDER BY r.id DESC LIMIT 1")
    return int(rows[0][0]) if rows else 0


def executions(run):
    cols = "id, account_id, symbol, action, quantity, status, exit_reason, realized_pnl, " \
           "entry_order_ids, exit_order_ids"
    return [dict(zip([c.strip() for c in cols.split(",")], r))
            for r in query(f"SELECT {cols} FROM strategy_executions WHERE run_id = {run} ORDER BY id")]


account_id = {r[1]: int(r[0]) for r in query("SELECT id, account_name FROM trading_accounts")}


def tagged(n, run):
    """The ledger's orders of this run (our tag AM:<run>:…), in arrival order."""
    return [o for o in ledger(n) if o["strategy"].startswith(f"AM:{run}:")]


def check_flat_and_once(label, run, accounts=names):
    """Every position of the run is flat at the broker, and no execution had two entry
    orders or more exit quantity filled than it entered."""
    book = {n: orderbook(n) for n in accounts}
    for n in accounts:
        mine = [o for o in book[n] if o.get("strategy", "").startswith(f"AM:{run}:")]
        nets = net_by_symbol(n)
        for sym in {o["symbol"] for o in mine}:
            check(f"{label}: {n} {sym} flat at the broker", nets.get(sym, 0) == 0, str(nets.get(sym)))
        entries = {}
        for o in mine:
            _, _, ex, attempt = o["strategy"].split(":")
            if attempt == "0" and o["order_status"] == "complete":
                entries[ex] = entries.get(ex, 0) + 1
        check(f"{label}: {n}: one filled entry per execution", all(c == 1 for c in entries.values()),
              str(entries))


def pnl_matches(label, run, before):
    rows = executions(run)
    for n in names:
        mine = [r for r in rows if int(r["account_id"]) == account_id[n]]
        if not mine:
            continue
        ours = sum(float(r["realized_pnl"]) for r in mine)
        after = pnl_by_symbol(n)
        theirs = sum(after.get(s, 0) - before[n].get(s, 0) for s in {r["symbol"] for r in mine})
        check(f"{label}: {n}: realized P&L {ours:.2f} equals the simulator's {theirs:.2f}",
              abs(ours - theirs) < 0.05)


def snapshot_pnl():
    return {n: pnl_by_symbol(n) for n in names}


def simple_run(label, doc, move, expect_rule, accounts=("alpha",)):
    """Runs `doc` to its end: live, then the price moves (a list of spots, a second apart)."""
    strategy(doc)
    spot(26000)
    before = snapshot_pnl()
    p = node_process(doc["name"])
    if not check(f"{label}: live", p.wait_for(r"phase: live", 60), p.output()):
        p.proc.kill()
        return
    for s in move:
        spot(s)
        time.sleep(1.0)  # the price path, one step a second
    check(f"{label}: finished", p.finish(150) == 0, p.output())
    run = run_id_of(doc["name"])
    rows = executions(run)
    check(f"{label}: every leg exited for {expect_rule}",
          rows and all(r["status"] == "exited" and r["exit_reason"] in expect_rule for r in rows),
          str([(r["symbol"], r["status"], r["exit_reason"]) for r in rows]))
    check_flat_and_once(label, run, list(accounts))
    pnl_matches(label, run, before)


# -- scenarios -------------------------------------------------------------------------------
def backup_while_live(run):
    """`db backup` while the run is live restores to a database equal to the live one: the
    same users, accounts, strategies and legs, the run's row and its entered legs, and it
    passes `db check`."""
    target = f"{work}/live-backup"
    cli("db", "backup", target)
    if db_url.startswith("sqlite:"):
        restored = f"sqlite:{target}"
    else:
        restored = fresh_pg_database("restored")
        r = subprocess.run(["psql", restored, "-q", "-v", "ON_ERROR_STOP=1", "-f", target],
                           capture_output=True, text=True)
        check("backup: the dump restores with psql", r.returncode == 0, r.stderr[-2000:])
    sqls = ["SELECT id, username FROM users ORDER BY id",
            "SELECT id, account_name, is_primary FROM trading_accounts ORDER BY id",
            "SELECT id, name FROM strategies ORDER BY id",
            "SELECT id, strategy_id, leg_number, action FROM strategy_legs ORDER BY id",
            f"SELECT id, strategy_id, status FROM strategy_runs WHERE id = {run}",
            "SELECT id, account_id, symbol, action, quantity, status, entry_price FROM "
            f"strategy_executions WHERE run_id = {run} ORDER BY id"]
    for sql in sqls:
        live, copy = query(sql), query_db(restored, sql)
        check(f"backup: equal to the live database: {sql[:48]}", live == copy and len(live) > 0,
              f"live {live[:3]}, restored {copy[:3]}")
    legs = query_db(restored, sqls[-1])
    check("backup: the run's 12 legs are entered in the copy",
          len(legs) == 12 and all(r[5] == "entered" for r in legs), str(legs[:3]))
    env = dict(os.environ, ALGOMIRROR_PASSWORD="Tr4ding#Desk")
    args = [a if a != db_url else restored for a in common]
    r = subprocess.run([node, *args, "db", "check"], capture_output=True, text=True, env=env)
    check("backup: the restored copy passes db check", r.returncode == 0, r.stdout + r.stderr)


def scenario_straddle():
    doc = straddle("e2e straddle", max_loss=500)
    strategy(doc)
    spot(26000)
    before = snapshot_pnl()
    p = node_process(doc["name"])
    check("straddle: live", p.wait_for(r"phase: live", 60), p.output())
    # positions.ltp follows the ticks while the run is live (rows made from fills have none
    # until a tick, or a positionbook read, brings it).
    def ltp_follows(rows):
        sim = {q["symbol"]: float(q["ltp"]) for q in positions("alpha") if int(q["quantity"]) != 0}
        got = {r[0]: float(r[1] or 0) for r in rows}
        return bool(sim) and all(abs(got.get(sym, 0) - v) <= max(0.5, 0.01 * v)
                                 for sym, v in sim.items())
    rows = wait_db("SELECT p.symbol, p.ltp FROM positions p JOIN trading_accounts a ON "
                   "a.id = p.account_id WHERE a.account_name = 'alpha' AND p.quantity != 0",
                   ltp_follows, 15)
    check("straddle: alpha's open positions have the feed's ltp", ltp_follows(rows),
          f"database {rows}, broker {[(q['symbol'], q['ltp']) for q in positions('alpha')]}")
    backup_while_live(run_id_of(doc["name"]))
    for s in range(26050, 26600, 50):
        spot(s)
        time.sleep(0.5)
    check("straddle: finished", p.finish(90) == 0, p.output())
    run = run_id_of(doc["name"])
    for n in names:
        orders = tagged(n, run)
        actions = [(o["action"], o["symbol"][-2:]) for o in orders]
        check(f"straddle: {n}: 8 orders", len(orders) == 8, str(actions))
        if len(orders) == 8:
            check(f"straddle: {n}: BUY legs entered before SELL legs",
                  [a for a, _ in actions[:4]] == ["BUY", "BUY", "SELL", "SELL"], str(actions))
            check(f"straddle: {n}: shorts bought back before the longs are sold",
                  [a for a, _ in actions[4:]] == ["BUY", "BUY", "SELL", "SELL"], str(actions))
    events = query(f"SELECT event_type FROM risk_events WHERE run_id = {run} AND action_taken IN ('exit_all', 'exit_account')")
    completed = query(f"SELECT COUNT(*) FROM risk_events WHERE run_id = {run} AND action_taken = 'exit_completed'")
    check("straddle: each account's exit completed (its follow-up event)",
          int(completed[0][0]) == 3, str(completed))
    check("straddle: one max_loss event per account", sorted(e[0] for e in events) == ["max_loss"] * 3,
          str(events))
    rows = executions(run)
    check("straddle: 12 legs exited for max_loss",
          len(rows) == 12 and all(r["status"] == "exited" and r["exit_reason"] == "max_loss" for r in rows))
    check_flat_and_once("straddle", run)
    pnl_matches("straddle", run, before)


def scenario_legs():
    doc = {"name": "e2e legs", "risk_profile": "fixed_lots", "product": "MIS", "accounts": ["alpha"],
           "legs": [leg("BUY", "CE", take_profit={"type": "points", "value": 30}),
                    leg("BUY", "PE", stop_loss={"type": "points", "value": 30})]}
    simple_run("legs", doc, [26050, 26100, 26150, 26200], ("take_profit", "stop_loss"))
    rows = executions(run_id_of("e2e legs"))
    check("legs: the call hit its target, the put its stop",
          sorted(r["exit_reason"] for r in rows) == ["stop_loss", "take_profit"], str(rows))


def scenario_profit():
    doc = {"name": "e2e profit", "risk_profile": "fixed_lots", "product": "MIS", "accounts": ["alpha"],
           "max_profit": 2000, "legs": [leg("BUY", "CE")]}
    simple_run("profit", doc, [26050, 26100, 26150], ("max_profit",))


def scenario_trailing():
    doc = {"name": "e2e trailing", "risk_profile": "fixed_lots", "product": "MIS", "accounts": ["alpha"],
           "trailing_stop": {"type": "amount", "value": 1500}, "legs": [leg("BUY", "CE")]}
    simple_run("trailing", doc, [26060, 26120, 26180, 26150, 26120, 26090, 26060, 26030],
               ("trailing_stop",))


def scenario_supertrend():
    # Seeded from the simulator's history (5 days of 1-minute bars), decided on the first live
    # bar that closes after the call collapses: a state, not a crossover.
    doc = {"name": "e2e supertrend", "risk_profile": "fixed_lots", "product": "MIS",
           "accounts": ["alpha"], "legs": [leg("BUY", "CE")],
           "supertrend": {"exit": "breakdown", "period": 5, "multiplier": 1, "timeframe": "1m"}}
    simple_run("supertrend", doc, [25900, 25800, 25700], ("supertrend_exit",))
    events = query("SELECT event_type FROM risk_events WHERE run_id = "
                   f"{run_id_of('e2e supertrend')} AND action_taken IN ('exit_all', 'exit_account')")
    check("supertrend: its risk event is written", events == [("supertrend_exit",)], str(events))


def scenario_squareoff():
    at = (market_now() + datetime.timedelta(seconds=25)).strftime("%H:%M:%S")
    doc = {"name": "e2e squareoff", "risk_profile": "fixed_lots", "product": "MIS",
           "accounts": ["alpha"], "square_off_time": at, "legs": [leg("BUY", "CE")]}
    simple_run("squareoff", doc, [], ("square_off",))


def scenario_faults():
    doc = straddle("e2e faults", max_loss=500)
    strategy(doc)
    spot(26000)
    p = node_process(doc["name"])
    check("faults: live", p.wait_for(r"phase: live", 60), p.output())
    post(http["alpha"], "/control/faults", {"status": 500, "count": 2, "endpoint": "placeorder"})
    post(http["beta"], "/control/faults", {"status": 429, "count": 3, "endpoint": "placeorder"})
    post(http["gamma"], "/control/order_faults", {"reject": 1})  # its first exit is rejected
    post(http["gamma"], "/control/faults", {"hang": 1, "endpoint": "placeorder"})  # never answers
    post(http["alpha"], "/control/ws_faults", {"stall": True})   # the feed fails over
    for s in range(26050, 26700, 50):
        spot(s)
        time.sleep(0.5)
    check("faults: finished", p.finish(120) == 0, p.output())
    run = run_id_of(doc["name"])
    rows = executions(run)
    check("faults: every leg exited", len(rows) == 12 and all(r["status"] == "exited" for r in rows),
          str([(r["account_id"], r["symbol"], r["status"]) for r in rows]))
    check_flat_and_once("faults", run)
    gamma = tagged("gamma", run)
    check("faults: gamma's rejected exit was sent again", len(gamma) >= 9, str(len(gamma)))
    post(http["alpha"], "/control/ws_faults", {"stall": False})


def crash(label, kill_when, before_kill=None):
    doc = straddle(f"e2e {label}", max_loss=500)
    strategy(doc)
    spot(26000)
    for n in names:  # fills take a while: the kill lands with orders in flight
        post(http[n], "/control/order_faults", {"delay_fill_ms": 1500})
    p = node_process(doc["name"])
    if before_kill:
        before_kill(p)
    ok = p.wait_for(kill_when, 60)
    check(f"{label}: reached the moment to kill", ok, p.output())
    p.proc.send_signal(signal.SIGKILL)
    p.finish(10)
    for n in names:
        post(http[n], "/control/order_faults", {"delay_fill_ms": 0})
    run = run_id_of(doc["name"])
    restarted = node_process()  # the long-running node: it reconciles unfinished runs
    check(f"{label}: restarted node reconciles the unfinished run",
          restarted.wait_for(rf"run {run} of '.*' was unfinished: reconciling", 30),
          restarted.output())
    rows = wait_db(f"SELECT status FROM strategy_runs WHERE id = {run}",
                   lambda r: r and r[0][0] in ("live", "exiting", "finished", "needs_attention"), 30)
    # Entries still in flight at the kill are followed until they settle; then the price moves
    # (had it moved first, they would have filled at the new prices, with no loss to speak of).
    wait_db(f"SELECT count(*) FROM strategy_executions WHERE run_id = {run} AND status = 'pending'",
            lambda r: r and r[0][0] == "0", 30)
    for s in range(26050, 26700, 50):  # whatever is still open exits on the max loss
        spot(s)
        time.sleep(0.3)
    rows = wait_db(f"SELECT status FROM strategy_runs WHERE id = {run}",
                   lambda r: r and r[0][0] == "finished", 60)
    check(f"{label}: the run finished after the restart", rows and rows[0][0] == "finished",
          str(rows) + "\n" + open(f"{work}/node.log").read()[-3000:])
    restarted.proc.send_signal(signal.SIGTERM)
    check(f"{label}: the node stops cleanly", restarted.finish(30) == 0)
    execs = executions(run)
    check(f"{label}: nothing left open in the database",
          all(r["status"] in ("exited", "failed", "skipped") for r in execs),
          str([(r["symbol"], r["status"]) for r in execs]))
    check_flat_and_once(label, run)
    # Every order the broker received for the run is known to the database.
    known = set()
    for r in execs:
        known |= set(json.loads(r["entry_order_ids"] or "[]")) | set(json.loads(r["exit_order_ids"] or "[]"))
    for n in names:
        for o in orderbook(n):
            if o.get("strategy", "").startswith(f"AM:{run}:") and o["order_status"] == "complete":
                check(f"{label}: {n} order {o['orderid']} known to the database", o["orderid"] in known)


def scenario_crash_entry():
    crash("crash entry", r"BUY 65 .*: entered")


def scenario_crash_exit():
    def trigger(p):
        threading.Thread(target=lambda: (p.wait_for(r"phase: live", 60),
                                         [(spot(s), time.sleep(0.3)) for s in range(26050, 26700, 50)]),
                         daemon=True).start()
    crash("crash exit", r"RISK max_loss", trigger)


def wait_count(p, pattern, n, timeout):
    """Waits until `n` lines of the node's output match `pattern`."""
    rx = re.compile(pattern)
    deadline = time.time() + timeout
    with p.cv:
        while time.time() < deadline:
            if sum(1 for l in p.lines if rx.search(l)) >= n:
                return True
            p.cv.wait(0.05)
    return False


def scenario_coherence():
    doc = straddle("e2e coherence", max_loss=1000)
    strategy(doc)
    spot(26000)
    before = snapshot_pnl()
    p = node_process(doc["name"])
    if not check("coherence: live", p.wait_for(r"phase: live", 60), p.output()):
        p.proc.kill()
        return
    time.sleep(1.0)  # every leg has ticked at the entry prices
    for i in range(20):  # true P&L of each move: tens of rupees; a mix: thousands
        spot(26100)
        time.sleep(0.35)
        spot(26000)
        time.sleep(0.35)
    run = run_id_of(doc["name"])
    events = query(f"SELECT event_type, trigger_value FROM risk_events WHERE run_id = {run} "
                   "AND action_taken NOT IN ('confirmation_pending')")
    check("coherence: 20 moves of 100 points fire no rule", events == [], str(events))
    check("coherence: no exit was sent", all(len(tagged(n, run)) == 4 for n in names),
          str({n: len(tagged(n, run)) for n in names}))
    moved = time.time()
    spot(26700)
    fired = wait_count(p, r"RISK max_loss", 3, 10)
    took = time.time() - moved
    check("coherence: a 700-point move fires max loss on every account", fired, p.output())
    print(f"coherence: max loss on every account {took:.2f} s after the move", flush=True)
    check("coherence: within the coherence timeout (2 s) and a tick interval", took < 3.0, f"{took:.2f} s")
    check("coherence: finished", p.finish(90) == 0, p.output())
    events = query(f"SELECT event_type, details FROM risk_events WHERE run_id = {run} AND action_taken IN ('exit_all', 'exit_account')")
    check("coherence: one max_loss event per account", sorted(e[0] for e in events) == ["max_loss"] * 3,
          str(events))
    check("coherence: each event says how its prices were confirmed",
          all('"confirmation":"' in e[1] and '"prices":{' in e[1] for e in events), str(events))
    check_flat_and_once("coherence", run)
    pnl_matches("coherence", run, before)


def scenario_mis_night():
    doc = straddle("e2e mis night", max_loss=1000)
    strategy(doc)
    counts = {n: len(ledger(n)) for n in names}
    night = datetime.datetime(2026, 11, 25, 16, 0, 0, tzinfo=IST)
    p = node_process(doc["name"], clock=night, run_extra=["--force"])
    code = p.finish(60)
    check("mis_night: the run is refused", code != 0, p.output())
    check("mis_night: it says why", "MIS orders are taken only from 09:00 to 15:15 IST" in p.output(),
          p.output())
    check("mis_night: no order reached any broker", {n: len(ledger(n)) for n in names} == counts)


def children_of(n, symbol, since):
    return [o for o in ledger(n)[since:] if o["symbol"] == symbol]


def freeze_run(label, extra, strike):
    """28 lots (1,755 + 65) of one call on alpha, with the simulator's position race on."""
    at = (market_now() + datetime.timedelta(seconds=12)).strftime("%H:%M:%S")
    doc = {"name": f"e2e {label}", "risk_profile": "fixed_lots", "product": "MIS",
           "accounts": ["alpha"], "exit_time": at,
           "legs": [leg("BUY", "CE", "strike_price", strike_price=strike, lots=28)]}
    strategy(doc)
    spot(26000)
    post(http["alpha"], "/control/order_faults", {"position_race": True})
    since = len(ledger("alpha"))
    p = node_process(doc["name"], extra=extra)
    return doc, since, p


def scenario_freeze():
    # Sequenced (the default): each child after the previous one is answered.
    doc, since, p = freeze_run("freeze", [], 26500)
    check("freeze: live", p.wait_for(r"phase: live", 60), p.output())
    sym = [o for o in ledger("alpha")[since:]][0]["symbol"] if len(ledger("alpha")) > since else ""
    kids = children_of("alpha", sym, since)
    check("freeze: two children, 1,755 then 65", [o["quantity"] for o in kids[:2]] == [1755, 65],
          str(kids))
    if len(kids) >= 2:
        gap = (kids[1]["at_us"] - kids[0]["at_us"]) / 1000
        check("freeze: the second child left after the first was answered (no overlap)",
              gap >= 10, f"{gap:.1f} ms")
    check("freeze: the positionbook is right", net_by_symbol("alpha").get(sym) == 1820,
          str(net_by_symbol("alpha").get(sym)))
    check("freeze: finished", p.finish(90) == 0, p.output())
    check("freeze: flat at the broker", net_by_symbol("alpha").get(sym, 0) == 0)
    # Sent together (sequencing off): the race is real, the positionbook is wrong.
    doc, since, p = freeze_run("freeze race", ["--parallel-symbol-orders", "--exit-attempts", "2"],
                                26600)
    check("freeze race: live", p.wait_for(r"phase: live", 60), p.output())
    sym = ledger("alpha")[since]["symbol"]
    kids = children_of("alpha", sym, since)
    if len(kids) >= 2:
        gap = (kids[1]["at_us"] - kids[0]["at_us"]) / 1000
        check("freeze race: the children overlapped", gap < 10, f"{gap:.1f} ms")
    wrong = net_by_symbol("alpha").get(sym)
    corrupted_books.add(sym)
    check("freeze race: the positionbook lost an update (the fault is real)", wrong in (65, 1755),
          str(wrong))
    ok = p.wait_for(r"the run needs attention: .*positionbook .* but tradebook", 40)
    check("freeze race: the run needs attention, naming both books", ok, p.output())
    p.finish(30)
    sells = sum(o["quantity"] for o in ledger("alpha")[since:]
                if o["symbol"] == sym and o["action"] == "SELL" and o["outcome"] == "accepted")
    check("freeze race: the exit went by the smaller book", sells == min(wrong or 0, 1820),
          f"sold {sells}, positionbook showed {wrong}")
    check("freeze race: never a reverse position", net_by_symbol("alpha").get(sym, 0) >= 0,
          str(net_by_symbol("alpha").get(sym)))
    post(http["alpha"], "/control/order_faults", {"position_race": False})


corrupted_books = set()  # symbols whose positionbook the simulator made wrong on purpose

STATUS_WORDS = {"complete": "EXECUTED", "rejected": "REJECTED", "cancelled": "CANCELLED",
                "open": "PENDING", "trigger pending": "PENDING"}


def scenario_books():
    """After every other scenario (the nodes have stopped): the database's orders, positions
    and margin ledgers equal the broker's books, order by order and row by row."""
    for n in names:
        broker = {o["orderid"]: o for o in orderbook(n)}
        rows = query("SELECT o.order_id, o.symbol, o.action, o.quantity, o.status, "
                     "o.filled_quantity, o.average_price, o.is_external, o.intent_id, "
                     "o.strategy_tag FROM orders o JOIN trading_accounts a ON a.id = o.account_id "
                     f"WHERE a.account_name = '{n}'")
        ours = {r[0]: r for r in rows}
        check(f"books {n}: the broker has orders to compare", len(broker) > 0)
        missing = sorted(set(broker) - set(ours))
        check(f"books {n}: every broker order is in orders", not missing,
              f"{len(missing)} of {len(broker)} missing, e.g. {missing[:3]}")
        extra = sorted(set(ours) - set(broker))
        check(f"books {n}: orders holds nothing the broker does not", not extra, str(extra[:3]))
        wrong = []
        for oid, o in broker.items():
            r = ours.get(oid)
            if r is None:
                continue
            want = (o["symbol"], o["action"], int(o["quantity"]),
                    STATUS_WORDS.get(o["order_status"], o["order_status"]),
                    int(o["filled_quantity"]))
            got = (r[1], r[2], int(r[3]), r[4], int(r[5] or 0))
            if want != got or abs(float(r[6] or 0) - float(o["average_price"])) > 0.01:
                wrong.append((oid, want, o["average_price"], got, r[6]))
            if o["strategy"].startswith("AM:") and (str(r[7]).lower() in ("1", "true", "t")
                                                    or not r[8]):
                wrong.append((oid, "tagged by this node but not linked to its intent", r[7], r[8]))
        check(f"books {n}: each order's symbol, side, quantity, status and fill match",
              not wrong, str(wrong[:3]))
        in_ledger = {e["orderid"] for e in ledger(n) if e["outcome"] == "accepted"}
        check(f"books {n}: every accepted request of the ledger is an order row",
              in_ledger <= set(ours), str(sorted(in_ledger - set(ours))[:3]))

        book = {(p["symbol"], p["product"]): int(p["quantity"]) for p in positions(n)}
        stored = {(r[0], r[1]): int(r[2]) for r in query(
            "SELECT p.symbol, p.product, p.quantity FROM positions p JOIN trading_accounts a "
            f"ON a.id = p.account_id WHERE a.account_name = '{n}'")}
        # The freeze race's symbol is left out: there the simulator's positionbook lost an
        # update on purpose (the run needs attention, the books disagree by design).
        open_book = {k: v for k, v in book.items() if v != 0 and k[0] not in corrupted_books}
        open_stored = {k: v for k, v in stored.items() if v != 0 and k[0] not in corrupted_books}
        check(f"books {n}: positions equals the positionbook", open_book == open_stored,
              f"broker {open_book}, database {open_stored}")
        check(f"books {n}: every symbol the account traded has a positions row",
              set(book) <= set(stored), str(sorted(set(book) - set(stored))[:3]))

        ledgers = query("SELECT m.allocated_margins, m.update_count FROM margin_trackers m "
                        "JOIN trading_accounts a ON a.id = m.account_id "
                        f"WHERE a.account_name = '{n}'")
        check(f"books {n}: one margin ledger row", len(ledgers) == 1, str(ledgers))
        if ledgers:
            live = query("SELECT COUNT(*) FROM strategy_runs WHERE status IN "
                         "('resolving', 'entering', 'live', 'exiting')")
            reservations = json.loads(ledgers[0][0] or "{}")
            check(f"books {n}: the ledger was kept as it moved", int(ledgers[0][1] or 0) > 0,
                  str(ledgers[0]))
            check(f"books {n}: no reservation outlives its run",
                  int(live[0][0]) > 0 or reservations == {}, str(reservations))


try:
    for name in wanted:
        began = time.time()
        globals()[f"scenario_{name}"]()
        print(f"scenario {name}: {time.time() - began:.1f} s", flush=True)
finally:
    sim_proc.send_signal(signal.SIGTERM)
    sim_proc.wait(10)
print(f"{passes} passed, {failures} failed")
sys.exit(1 if failures else 0)
