#!/usr/bin/env python3
"""The node as a service (operating.md §1-§3), two real processes over loopback: a long-running
algomirror-node on openalgo-sim's three accounts and algomirror-console, non-interactive with
--json, every answer parsed and checked against the database and the simulator.

  lease      a second node on the same database is refused naming the holder; offline changes
             and `run` are refused while the node holds it
  commands   status, accounts, funds, positions (= the simulator's positionbook), orders,
             trades, strategies, strategy show, run, runs, show, watch, exit --leg (exactly that
             leg), exit --account, exit, risk-events, alerts, failovers, quote, users
  security   wrong password, unknown user, disabled user, lockout after 5 failures; two users
             with their own accounts: neither sees nor acts on the other's (ids guessed too);
             logins in activity_logs and users.last_login
  guards     a live strategy is not replaced or deleted; an account in a live run is not
             removed; a wrong master key is refused at once; nothing changes in the database
  drops      a console killed mid-watch and mid-exit: the node carries on, the exit happens once
  bad input  malformed commands: exit code 2, a message naming the problem, nothing changed
  tls        certs init/issue; mutual TLS works; no certificate, another CA's certificate, a
             key readable by others and a non-loopback bind without certificates are refused
  secrets    no password, API key or master key in any output or log
usage: console_e2e.py ALGOMIRROR_NODE ALGOMIRROR_CONSOLE OPENALGO_SIM [DB_URL]"""
import datetime, json, os, re, shutil, signal, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import followed, free_port, fresh_pg_database, post, results, start_sim
from harness import query as query_db

node, console, sim = (os.path.realpath(p) for p in sys.argv[1:4])
work = tempfile.mkdtemp(prefix="algomirror-console-")
db_url = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else f"sqlite:{work}/console.db"
if db_url == "postgresql-fresh":
    db_url = fresh_pg_database("console")
result = results()
check = result.check
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
CLOCK_START = datetime.datetime(2026, 11, 25, 10, 0, 0, tzinfo=IST)
t0 = time.time()
outputs = []  # every output of every process, for the secrets check




def market_now():
    return CLOCK_START + datetime.timedelta(seconds=time.time() - t0)






# -- the simulator ---------------------------------------------------------------------------
names = ["alpha", "beta", "gamma"]
# epsilon: an account the console adds to the running node
keys = {n: (n[0] * 32 + "Key" + n[1] * 29) for n in names + ["epsilon"]}
sim_proc, ports = start_sim(sim, work, keys, CLOCK_START)
http = {n: ports[n][0] for n in keys}


def spot(value):
    post(http["alpha"], "/control/spot", {"NIFTY": value})


def ledger(n):
    return post(http[n], "/control/ledger", {})["ledger"]


def sim_positions(n):
    return post(http[n], "/api/v1/positionbook", {"apikey": keys[n]})["data"]


def sim_orders(n):
    return post(http[n], "/api/v1/orderbook", {"apikey": keys[n]})["data"]["orders"]


def query(sql):
    return query_db(db_url, sql)


def execute_sql(sql):
    if db_url.startswith("sqlite:"):
        con = sqlite3.connect(db_url[len("sqlite:"):], timeout=10)
        con.execute(sql)
        con.commit()
        con.close()
    else:
        subprocess.run(["psql", db_url, "-qc", sql], check=True)


def snapshot():
    """The rows a refused command must not change."""
    tables = {"users": "id, username, email, password_hash, is_admin, is_active",
              "trading_accounts": "id, user_id, account_name, broker, api_key_encrypted, "
                                  "host_url, is_primary, is_active",
              "strategies": "*", "strategy_legs": "*", "strategy_runs": "id, strategy_id, status",
              "strategy_executions": "id, run_id, account_id, symbol, quantity, status"}
    return {t: query(f"SELECT {cols} FROM {t} ORDER BY id") for t, cols in tables.items()}


# -- the node --------------------------------------------------------------------------------
master = f"{work}/master.key"
master_hex = os.urandom(32).hex()
with open(master, "w") as f:
    f.write(master_hex)
os.chmod(master, 0o600)
password = {"admin": "Adm1n#Desk", "trader": "Tr4ding#Desk", "other": "0ther#Desk9", "sleepy": "Sl33py#Desk"}
common = ["--db", db_url, "--master-key-file", master, "--log-file", f"{work}/node.log",
          "--status-poll-ms", "250", "--unknown-settle-ms", "300", "--exit-retry-ms", "1000",
          "--request-timeout-ms", "3000", "--shutdown-timeout", "10"]


def cli(*args, expect=0, env_extra=None, label=None):
    env = dict(os.environ, **(env_extra or {}))
    try:
        r = subprocess.run([node, *common, *args], capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=60)
    except subprocess.TimeoutExpired:
        check(label or f"node {' '.join(args[:3])} ends", False, "timed out")
        return subprocess.CompletedProcess(args, -1, "", "")
    outputs.append(r.stdout + r.stderr)
    check(label or f"node {' '.join(args[:3])} exits {expect}", r.returncode == expect,
          f"rc={r.returncode} {r.stdout}{r.stderr}")
    return r


class node_process(followed):
    def __init__(self, extra=()):
        super().__init__([node, *common, "--clock-start", market_now().isoformat(), *extra])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            # A hung stop: every thread's stack, for the failure's report.
            if shutil.which("gdb"):
                bt = subprocess.run(["gdb", "-p", str(self.proc.pid), "-batch", "-ex",
                                     "thread apply all bt"], capture_output=True, text=True)
                print("the node did not stop; its threads:\n" + bt.stdout[-20000:], file=sys.stderr)
            self.proc.kill()
            rc = -1
        outputs.append(self.output(len(self.lines)))
        # A leaked reference to a detached actor: the node ends itself after its bound and
        # says which one (the stop still counts; the line tells what to fix).
        for line in self.lines:
            if "did not end within" in line:
                print("WARNING: " + line, file=sys.stderr)
        return rc


console_port = None
console_extra = []


def con(user, *args, expect=0, pw=None, json_out=True, label=None, timeout=60):
    """algomirror-console USER ARGS [--json]: (exit code, parsed JSON or text, stderr)."""
    env = dict(os.environ, ALGOMIRROR_PASSWORD=pw if pw is not None else password.get(user, "x"))
    argv = [console, "--node", f"127.0.0.1:{console_port}", "--user", user, *console_extra, *args]
    if json_out:
        argv.append("--json")
    try:
        r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        check(label or f"console {' '.join(args)} answers", False, "timed out")
        return -1, None, ""
    outputs.append(r.stdout + r.stderr)
    body = r.stdout
    if json_out and r.returncode == 0:
        try:
            body = json.loads(r.stdout.splitlines()[0]) if r.stdout.strip() else None
        except (json.JSONDecodeError, IndexError):
            check(f"console {' '.join(args)}: JSON", False, r.stdout)
            body = None
    if expect is not None:
        check(label or f"console {' '.join(args)} exits {expect}", r.returncode == expect,
              f"rc={r.returncode} out={r.stdout[:800]} err={r.stderr[:800]}")
    return r.returncode, body, r.stderr


def said(text, stderr, label):
    check(label, text in stderr, stderr)


# -- set-up: two users with their own accounts and strategies ------------------------------
pw_env = lambda u: {"ALGOMIRROR_PASSWORD": password[u]}
cli("user", "add", "--username", "admin", "--email", "a@example.in", env_extra=pw_env("admin"))
cli("user", "add", "--username", "trader", "--email", "t@example.in", env_extra=pw_env("trader"))
cli("user", "add", "--username", "other", "--email", "o@example.in", env_extra=pw_env("other"))
cli("user", "add", "--username", "sleepy", "--email", "s@example.in", env_extra=pw_env("sleepy"))
execute_sql("UPDATE users SET is_active = FALSE WHERE username = 'sleepy'")
for n, owner in [("alpha", "trader"), ("beta", "trader"), ("gamma", "other")]:
    cli("account", "add", "--name", n, "--host", f"http://127.0.0.1:{http[n]}",
        "--ws-url", f"ws://127.0.0.1:{ports[n][1]}", "--api-key", keys[n], "--user", owner)
brokers = {r[0]: r[1] for r in query("SELECT account_name, broker FROM trading_accounts")}
check("account add: the broker is the name the ping reports", brokers.get("alpha") == "sandbox",
      str(brokers))
r = cli("account", "add", "--name", "delta", "--host", "http://127.0.0.1:1", "--api-key", "k",
        expect=1, label="account add: an unreachable account is refused")
said("nothing was added", r.stderr, "account add: unreachable: says nothing was added")
wrong_key = os.urandom(32).hex()
r = subprocess.run([node, "--db", db_url, "--log-file", "none", "account", "add", "--name",
                    "delta", "--host", f"http://127.0.0.1:{http['alpha']}", "--api-key", "k"],
                   capture_output=True, text=True, env=dict(os.environ, ALGOMIRROR_MASTER_KEY=wrong_key))
check("a wrong master key is refused at once (account add)", r.returncode == 2 and
      "does not open this database" in r.stderr, r.stderr)
check("a wrong master key: nothing added", not query("SELECT id FROM trading_accounts WHERE "
                                                     "account_name = 'delta'"))


def leg(action, opt, strike="ATM", offset=0):
    d = {"underlying": "NIFTY", "product": "options", "expiry": "current_week", "action": action,
         "option_type": opt, "strike": strike, "lots": 1}
    if offset:
        d["strike_offset"] = offset
    return d


def strategy_file(name, accounts, owner):
    doc = {"name": name, "risk_profile": "fixed_lots", "risk_scope": "account", "product": "MIS",
           "accounts": accounts,
           "legs": [leg("BUY", "CE", "OTM", 4), leg("BUY", "PE", "OTM", 4), leg("SELL", "CE"),
                    leg("SELL", "PE")]}
    path = f"{work}/{re.sub(r'[^a-z]+', '_', name)}.json"
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


straddle = strategy_file("console straddle", ["alpha", "beta"], "trader")
cli("strategy", "import", straddle, "--user", "trader")
cli("strategy", "import", strategy_file("other straddle", ["gamma"], "other"), "--user", "other")
spot(26000)


def start_node(extra=()):
    global console_port
    p = node_process(["--console-port", str(free_port()), *extra])
    m = p.wait_for(r"console listening on [0-9.]+:(\d+)", 30)
    if not check("node: the console endpoint listens", m is not None, p.output()):
        p.proc.kill()
        result.finish()
    console_port = int(m.group(1))
    return p


p = start_node()

# -- the lease -------------------------------------------------------------------------------
r = cli("--console-port", "0", expect=1, label="a second node on the database is refused")
check("the refusal names the holder", re.search(r"held by node on \S+, pid \d+, since", r.stderr +
                                                r.stdout) is not None, r.stderr + r.stdout)
before = snapshot()
r = cli("strategy", "import", straddle, "--user", "trader", expect=1,
        label="offline strategy import is refused while a node runs")
said("algomirror-console", r.stderr, "the offline refusal says to use the console")
r = cli("account", "remove", "beta", "--user", "trader", expect=1,
        label="offline account remove is refused while a node runs")
r = cli("run", "console straddle", expect=1, label="run beside a running node is refused")
said("algomirror-console run", r.stderr, "run beside a node says to use algomirror-console run")
cli("account", "list", "--user", "trader", label="read-only offline commands still work")
check("refused offline commands changed nothing", snapshot() == before)
lease_rows = query("SELECT host, pid FROM node_lease WHERE released_at IS NULL")
check("node_lease names the running node", len(lease_rows) == 1 and
      int(lease_rows[0][1]) == p.proc.pid, str(lease_rows))

# -- security --------------------------------------------------------------------------------
rc, _, err = con("trader", "status", pw="wrong#Pass1", expect=3, label="a wrong password: exit 3")
said("wrong username or password", err, "a wrong password says so")
rc, _, err2 = con("nobody", "status", pw="whatever#1A", expect=3, label="an unknown user: exit 3")
check("an unknown user gets the same answer as a wrong password", err == err2, err + err2)
rc, _, err = con("sleepy", "status", expect=3, label="a disabled user cannot log in")
said("disabled", err, "the disabled user is told")

# -- the commands, as trader -----------------------------------------------------------------
rc, st, _ = con("trader", "status")
if st:
    check("status: the node is running and holds its lease",
          st["node"]["phase"] == "running" and st["lease"]["held"], st)
    check("status: trader's accounts only", sorted(a["name"] for a in st["accounts"]) ==
          ["alpha", "beta"], st["accounts"])
rc, accs, _ = con("trader", "accounts")
acc_id = {a["name"]: a["id"] for a in (accs or [])}
check("accounts: alpha and beta", sorted(acc_id) == ["alpha", "beta"], accs)
check("accounts: each with its health and OpenAlgo mode (the simulator is a sandbox)",
      accs and all(a["mode"] == "analyze" and a["health"] == "connected" for a in accs), accs)
rc, out, _ = con("trader", "accounts", json_out=False)
check("accounts (table): a sandbox account says so", "analyze (sandbox)" in out, out)
rc, strategies, _ = con("trader", "strategies")
check("strategies: trader's only", [s["name"] for s in strategies or []] == ["console straddle"],
      strategies)
rc, shown, _ = con("trader", "strategy", "show", "console straddle", json_out=False)
check("strategy show: the legs", "SELL" in shown and "NIFTY" in shown, shown)
rc, quotes, _ = con("trader", "quote", "NIFTY")
check("quote NIFTY: a price", quotes and quotes[0]["ltp"] > 0, quotes)
# strategy import through the console (the offline one is refused while the node runs)
spread = strategy_file("console spread", ["beta"], "trader")
rc, out, _ = con("trader", "strategy", "import", spread, json_out=False)
check("strategy import (console): created", "created" in out, out)
rc, strategies, _ = con("trader", "strategies")
check("strategy import (console): the node knows it", sorted(s["name"] for s in strategies or []) ==
      ["console spread", "console straddle"], strategies)
check("strategy import (console): in the database", query(
    "SELECT COUNT(*) FROM strategies WHERE name = 'console spread'")[0][0] == "1")
bad_doc = f"{work}/bad.json"
with open(bad_doc, "w") as f:
    json.dump({"name": "bad", "max_los": 1, "accounts": ["alpha"], "legs": []}, f)
rc, _, err = con("trader", "strategy", "import", bad_doc, expect=2,
                 label="strategy import (console): a bad file is a usage error")
said("max_los", err, "strategy import (console): names the bad field")
rc, _, err = con("other", "strategy", "import", spread, expect=2,
                 label="strategy import (console): another user's account is refused")
said("is not one of your accounts", err, "strategy import (console): says whose accounts")
# users through the console (admin)
env_new = {"ALGOMIRROR_NEW_PASSWORD": "N3w#Trader"}
os.environ.update(env_new)
rc, out, _ = con("admin", "user", "add", "--username", "newbie", "--email", "n@example.in",
                 json_out=False)
check("user add (console): added", "added" in out, out)
password["newbie"] = "N3w#Trader"
rc, _, _ = con("newbie", "accounts", label="user add (console): the new user logs in")
rc, _, err = con("trader", "user", "disable", "newbie", expect=1,
                 label="user disable: for the admin only")
rc, _, _ = con("admin", "user", "disable", "newbie", json_out=False)
rc, _, err = con("newbie", "accounts", expect=3, label="user disable: the user cannot log in")
rc, _, _ = con("admin", "user", "enable", "newbie", json_out=False)
os.environ["ALGOMIRROR_NEW_PASSWORD"] = "weak"
rc, _, err = con("admin", "user", "passwd", "newbie", expect=2, json_out=False,
                 label="user passwd: a weak password is refused")
os.environ["ALGOMIRROR_NEW_PASSWORD"] = "N3wer#Trader"
rc, _, _ = con("admin", "user", "passwd", "newbie", json_out=False)
password["newbie"] = "N3wer#Trader"
rc, _, _ = con("newbie", "accounts", label="user passwd: the new password works")
del os.environ["ALGOMIRROR_NEW_PASSWORD"]
password["newbie (first)"] = "N3w#Trader"  # for the secrets check

rc, started, _ = con("trader", "run", "console straddle")
run = started["run_id"] if started else 0
check("run: a run id", run > 0, started)
rc, _, err = con("trader", "run", "console straddle", expect=1, label="run twice is refused")
said("already running", err, "run twice names the running run")


def show(user="trader", run_id=None):
    rc, body, _ = con(user, "show", str(run_id or run), expect=None)
    return body if rc == 0 else None


def wait_show(pred, timeout=60):
    deadline = time.time() + timeout
    body = None
    while time.time() < deadline:
        body = show()
        if body and pred(body):
            return body
        time.sleep(0.5)  # another process's run: asked again until it gets there
    return body


live = wait_show(lambda b: b["phase"] == "live" and all(l["status"] == "entered" for l in b["legs"]))
check("show: the run goes live with 8 legs", live and len(live["legs"]) == 8, live)
db_ids = sorted(int(r[0]) for r in query(f"SELECT id FROM strategy_executions WHERE run_id = {run}"))
check("show: every leg's execution id is the database's",
      live and sorted(l["execution_id"] for l in live["legs"]) == db_ids, (live, db_ids))

# guards while the run is live (through the offline commands the node refuses anyway, so
# stop-free checks go through the database functions via a second database copy is not
# possible; the live checks are the console's own refusals below and the offline ones after)
rc, books, _ = con("trader", "positions")
if books:
    for b in books["accounts"]:
        ours = {(p["symbol"], p["quantity"]) for p in b["positions"] if p["quantity"] != 0}
        theirs = {(p["symbol"], int(p["quantity"])) for p in sim_positions(b["account"])
                  if int(p["quantity"]) != 0}
        check(f"positions: {b['account']} equals the simulator's positionbook", ours == theirs,
              (ours, theirs))
rc, books, _ = con("trader", "orders", "--account", "alpha")
check("orders --account alpha: the simulator's orderbook",
      books and len(books["accounts"]) == 1 and
      len(books["accounts"][0]["orders"]) == len(sim_orders("alpha")), books)
rc, books, _ = con("trader", "trades")
check("trades: both accounts", books and len(books["accounts"]) == 2, books)
rc, books, _ = con("trader", "funds")
check("funds: totals", books and "available_cash" in books["totals"], books)
rc, runs, _ = con("trader", "runs")
check("runs: the live run", runs and [r["run_id"] for r in runs] == [run], runs)
rc, out, _ = con("trader", "watch", str(run), "--limit", "2", json_out=False)
check("watch: the live view", "console straddle" in out or "alpha" in out, out)
rc, st, _ = con("trader", "status")
check("status: the live run as a headline with its leg count",
      st and [(r["run_id"], r["leg_count"], r["legs"]) for r in st["runs"]] == [(run, 8, [])], st)
# §3 through the console while the run is live: refused, nothing changed
before = snapshot()
for args, why in [(["strategy", "delete", "console straddle"], f"run {run}"),
                  (["strategy", "disable", "console straddle"], f"run {run}"),
                  (["account", "remove", "alpha"], "open position")]:
    rc, _, err = con("trader", *args, expect=1, json_out=False,
                     label=f"console {' '.join(args)}: refused while the run is live")
    said(why, err, f"console {' '.join(args)}: says why")
check("live guards (console): nothing changed", snapshot() == before)

# -- the other user --------------------------------------------------------------------------
rc, accs2, _ = con("other", "accounts")
check("other: sees gamma only", [a["name"] for a in accs2 or []] == ["gamma"], accs2)
rc, _, err = con("other", "show", str(run), expect=1, label="other: trader's run is not found")
said("no run", err, "other: 'not found' for trader's run")
rc, _, err = con("other", "exit", str(run), expect=1, label="other: cannot exit trader's run")
rc, _, err = con("other", "positions", "--account", "alpha", expect=1,
                 label="other: trader's account is not found")
said("no account named 'alpha'", err, "other: 'not found' for trader's account")
rc, _, err = con("other", "run", "console straddle", expect=1,
                 label="other: cannot run trader's strategy")
rc, _, err = con("other", "users", expect=1, label="other: users is for the admin")
for guess in range(1, 6):
    rc, _, _ = con("other", "exit", str(guess), "--leg", str(db_ids[0]), expect=None)
    check(f"other: guessed run {guess} cannot be exited", rc == 1)
rc, users, _ = con("admin", "users")
check("users (admin): every user", sorted(u["username"] for u in users or []) ==
      ["admin", "newbie", "other", "sleepy", "trader"], users)
rc, accs3, _ = con("admin", "accounts")
check("the admin sees every account", sorted(a["name"] for a in accs3 or []) == names, accs3)
rc, _, _ = con("trader", "users", expect=1, label="trader: users is for the admin")
check("users.last_login written", query("SELECT last_login FROM users WHERE username = 'trader'")[0][0] != "")
check("other's guesses changed nothing", all(l["status"] == "entered" for l in show()["legs"]))

# -- exits -----------------------------------------------------------------------------------
rc, _, err = con("trader", "exit", str(run), "--leg", "999999", expect=2,
                 label="exit --leg of an unknown leg: refused as usage")
said("is not a leg of run", err, "exit --leg unknown: names the problem")
sell_leg = next(l for l in live["legs"] if l["action"] == "SELL" and l["account_id"] == acc_id["beta"])
hedge_legs = [l for l in live["legs"] if l["account_id"] == acc_id["beta"] and l["action"] == "BUY"]
rc, done, _ = con("trader", "exit", str(run), "--leg", str(sell_leg["execution_id"]))
after = wait_show(lambda b: any(l["execution_id"] == sell_leg["execution_id"] and
                                l["status"] == "exited" for l in b["legs"]), 30)
others = [l for l in after["legs"] if l["execution_id"] != sell_leg["execution_id"]] if after else []
check("exit --leg: exactly that leg exited", after and others and
      all(l["status"] == "entered" for l in others), after)
exits = [o for o in ledger("beta") if o["symbol"] == sell_leg["symbol"] and o["action"] == "BUY"]
check("exit --leg: one exit order at the broker", len(exits) == 1, exits)
rc, _, _ = con("trader", "exit", str(run), "--account", "alpha")
after = wait_show(lambda b: all(l["status"] == "exited" for l in b["legs"]
                                if l["account_id"] == acc_id["alpha"]), 30)
check("exit --account alpha: alpha's legs exited, beta's hedges open",
      after and all(l["status"] == "entered" for l in after["legs"]
                    if l["account_id"] == acc_id["beta"] and l["action"] == "BUY"), after)

# guards while a run is live: the strategy and its account stay (checked on the database the
# node holds: stop the node first would end the run, so the guard runs as the node would see it
# at the next start — see the end of the test)

# a console killed mid-watch and mid-exit: the node carries on, the exit happens once
w = subprocess.Popen([console, "--node", f"127.0.0.1:{console_port}", "--user", "trader",
                      "watch", str(run)], env=dict(os.environ, ALGOMIRROR_PASSWORD=password["trader"]),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)  # let it log in and start watching
w.kill()
w.wait()
e = subprocess.Popen([console, "--node", f"127.0.0.1:{console_port}", "--user", "trader",
                      "exit", str(run)], env=dict(os.environ, ALGOMIRROR_PASSWORD=password["trader"]),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.4)
e.kill()
e.wait()
rc, st, _ = con("trader", "status", label="the node answers after consoles were killed")
final = wait_show(lambda b: b["phase"] == "finished", 20)
if not (final and final["phase"] == "finished"):
    con("trader", "exit", str(run), expect=None)  # the killed console may not have sent it
    final = wait_show(lambda b: b["phase"] == "finished", 40)
check("exit: the run finished", final and final["phase"] == "finished", final)
for n in ["alpha", "beta"]:
    orders = [o for o in ledger(n) if o["strategy"].startswith(f"AM:{run}:")]
    per_symbol = {}
    for o in orders:
        per_symbol.setdefault(o["symbol"], []).append(o["action"])
    check(f"exit once: {n}: one entry and one exit per symbol",
          all(len(v) == 2 for v in per_symbol.values()) and len(per_symbol) == 4, per_symbol)
check("the node logged the dropped session", p.wait_for(r"client went away", 5) is not None,
      p.output())
rc, runs, _ = con("trader", "runs", "--all")
check("runs --all: the finished run", runs and any(r["run_id"] == run and r["phase"] == "finished"
                                                   for r in runs), runs)
rc, events, _ = con("trader", "risk-events", "--run", str(run))
check("risk-events --run: answered", isinstance(events, list), events)

# Settings through the node: shown as runs read them, changed, refused with the field named,
# and reset to the default.
def banknifty(settings):
    return next((i for i in (settings or {}).get("instruments", []) if i["symbol"] == "BANKNIFTY"), {})
rc, settings, _ = con("trader", "settings", "list")
check("settings list: the defaults", banknifty(settings).get("freeze_quantity") == 600, settings)
rc, done, _ = con("trader", "settings", "instrument", "BANKNIFTY", "--freeze", "900")
check("settings instrument: changed", done and "freeze_quantity 900" in done.get("text", ""), done)
rc, settings, _ = con("trader", "settings", "list")
check("settings list: the change is what runs will read",
      banknifty(settings).get("freeze_quantity") == 900, settings)
rc, _, err = con("trader", "settings", "instrument", "BANKNIFTY", "--lot", "thirty", expect=None)
check("settings: a bad value is refused naming its option", rc != 0 and "--lot" in err, err)
rc, _, err = con("trader", "settings", "grade", "B", "--percent", "150", expect=None)
check("settings: a grade above 100 % is refused", rc != 0 and "--percent" in err, err)
rc, done, _ = con("trader", "settings", "reset", "instrument", "BANKNIFTY")
check("settings reset: back to the default", done and "default" in done.get("text", ""), done)
rc, settings, _ = con("trader", "settings", "list")
check("settings list: the default again", banknifty(settings).get("freeze_quantity") == 600,
      settings)
rc, _, _ = con("trader", "risk-events", "--follow", "--limit", "1", json_out=False)
rc, _, _ = con("trader", "alerts", json_out=False)
rc, _, _ = con("trader", "failovers")
logins = query("SELECT action, COUNT(*) FROM activity_logs WHERE action LIKE 'console_login%' "
               "GROUP BY action")
counts = {a: int(c) for a, c in logins}
check("activity_logs: logins and failed logins", counts.get("console_login", 0) >= 10 and
      counts.get("console_login_failed", 0) >= 3, counts)

# -- changes through the console: holdings, accounts, strategies, chains ---------------------
rc, books, _ = con("trader", "holdings")
check("holdings: both accounts, as the simulator keeps them (none)",
      books and sorted(b["account"] for b in books["accounts"]) == ["alpha", "beta"] and
      all(b["holdings"] == post(http[b["account"]], "/api/v1/holdings",
                                {"apikey": keys[b["account"]]})["data"]["holdings"] and
          b["error"] == "" for b in books["accounts"]) and books["totals"]["pnl"] == 0, books)
before = snapshot()
rc, _, err = con("trader", "account", "add", "--name", "epsilon", "--host", "http://127.0.0.1:1",
                 "--ws-url", "ws://127.0.0.1:1", "--api-key", keys["epsilon"], expect=1,
                 json_out=False, label="account add (console): an unreachable account is refused")
said("nothing was stored", err, "account add (console): unreachable: says nothing was stored")
rc, _, err = con("trader", "account", "add", "--name", "alpha", "--host",
                 f"http://127.0.0.1:{http['epsilon']}", "--ws-url",
                 f"ws://127.0.0.1:{ports['epsilon'][1]}", "--api-key", keys["epsilon"], expect=1,
                 json_out=False, label="account add (console): a name in use is refused")
rc, _, err = con("trader", "account", "add", "--name", "epsilon", "--host", "ftp://x",
                 "--ws-url", "ws://127.0.0.1:1", "--api-key", "k", expect=2, json_out=False,
                 label="account add (console): a bad URL is a usage error")
check("account add refusals (console): nothing changed", snapshot() == before)
rc, out, _ = con("trader", "account", "add", "--name", "epsilon", "--host",
                 f"http://127.0.0.1:{http['epsilon']}", "--ws-url",
                 f"ws://127.0.0.1:{ports['epsilon'][1]}", "--api-key", keys["epsilon"],
                 json_out=False)
check("account add (console): added with the broker its ping reports",
      "added (broker sandbox" in out, out)
row = query("SELECT broker, api_key_encrypted, is_active FROM trading_accounts "
            "WHERE account_name = 'epsilon'")
check("account add (console): stored with its key sealed",
      row and row[0][0] == "sandbox" and row[0][1].startswith("v1:") and
      keys["epsilon"] not in row[0][1], row)
rc, books, _ = con("trader", "funds", "--account", "epsilon")
check("account add (console): the node started it (funds answered by its OpenAlgo)",
      books and books["accounts"][0]["error"] == "" and
      books["accounts"][0]["available_cash"] > 0, books)
rc, out, _ = con("trader", "account", "test", "epsilon", json_out=False)
check("account test (console): the broker", "broker sandbox" in out, out)
rc, _, err = con("other", "account", "test", "epsilon", expect=1, json_out=False,
                 label="account test: another user's account is not found")
rc, out, _ = con("trader", "account", "disable", "epsilon", json_out=False)
check("account disable (console): stored", query(
    "SELECT is_active FROM trading_accounts WHERE account_name = 'epsilon'")[0][0] in ("0", "f", "False"))
runs_before = query("SELECT COUNT(*) FROM strategy_runs")
rc, _, err = con("trader", "run", "console spread", "--account", "epsilon", expect=1,
                 label="a disabled account takes no new run")
said("disabled", err, "a disabled account: says so")
check("a disabled account: no run row", query("SELECT COUNT(*) FROM strategy_runs") == runs_before)
rc, out, _ = con("trader", "account", "enable", "epsilon", json_out=False)
check("account enable (console): stored", query(
    "SELECT is_active FROM trading_accounts WHERE account_name = 'epsilon'")[0][0] in ("1", "t", "True"))
rc, out, _ = con("trader", "account", "set-primary", "epsilon", json_out=False)
primary = lambda: [r[0] for r in query("SELECT account_name FROM trading_accounts WHERE "
                                       "is_primary = TRUE AND user_id = (SELECT id FROM users "
                                       "WHERE username = 'trader')")]
check("account set-primary (console): the only primary", primary() == ["epsilon"], primary())
rc, accs, _ = con("trader", "accounts")
check("accounts: epsilon is the primary", accs and [a["name"] for a in accs if a["primary"]] ==
      ["epsilon"], accs)
rc, out, _ = con("trader", "account", "set-primary", "alpha", json_out=False)
rc, out, _ = con("trader", "account", "remove", "epsilon", json_out=False)
check("account remove (console): removed", "removed" in out and not query(
    "SELECT id FROM trading_accounts WHERE account_name = 'epsilon'"), out)
rc, _, _ = con("trader", "funds", "--account", "epsilon", expect=1,
               label="account remove (console): the node knows it no more")
# strategies
rc, out, _ = con("trader", "strategy", "export", json_out=False)
try:
    exported = json.loads(out)
    exported = exported if isinstance(exported, list) else exported.get("strategies", [exported])
except json.JSONDecodeError:
    exported = []
check("strategy export (console): trader's strategies with their accounts",
      sorted(d.get("name") for d in exported) == ["console spread", "console straddle"] and
      all(d.get("accounts") for d in exported), out[:600])
again = f"{work}/exported.json"
rc, out, _ = con("trader", "strategy", "export", "console spread", "--out", again, json_out=False)
rc, out, _ = con("trader", "strategy", "import", again, json_out=False)
check("strategy export then import: the same strategy replaced", "replaced" in out, out)
rc, out, _ = con("trader", "strategy", "disable", "console spread", json_out=False)
rc, strategies, _ = con("trader", "strategies")
check("strategy disable (console): not listed, inactive in the database",
      [s["name"] for s in strategies or []] == ["console straddle"] and query(
          "SELECT is_active FROM strategies WHERE name = 'console spread'")[0][0] in ("0", "f", "False"),
      strategies)
rc, _, _ = con("trader", "run", "console spread", expect=1,
               label="a disabled strategy does not run")
rc, out, _ = con("trader", "strategy", "enable", "console spread", json_out=False)
rc, strategies, _ = con("trader", "strategies")
check("strategy enable (console): listed again", sorted(s["name"] for s in strategies or []) ==
      ["console spread", "console straddle"], strategies)
# market data with failover: the primary's REST API is down; a run on beta still starts
post(http["alpha"], "/control/faults", {"drop": 1000000})
rc, started2, err = con("trader", "run", "console spread", timeout=120,
                        label="a run starts while the primary's REST API is down")
run2 = started2["run_id"] if started2 else 0
deadline = time.time() + 90
live2 = None
while run2 and time.time() < deadline:
    body = show(run_id=run2)
    if body and body["phase"] == "live" and body["legs"] and \
            all(l["status"] == "entered" for l in body["legs"]):
        live2 = body
        break
    time.sleep(0.5)  # another process's run
check("the run on beta went live with prices through beta", live2 is not None, show(run_id=run2))
check("the node says its market data failed over",
      p.wait_for(r"market data: source 1 failed", 5) is not None, p.output())
post(http["alpha"], "/control/faults", {})
if run2:
    con("trader", "exit", str(run2), expect=None)
    deadline = time.time() + 60
    while time.time() < deadline and (show(run_id=run2) or {}).get("phase") != "finished":
        time.sleep(0.5)
    check("the failover run exited", (show(run_id=run2) or {}).get("phase") == "finished")
rc, _, _ = con("other", "strategy", "delete", "console spread", expect=1, json_out=False,
               label="strategy delete: another user's strategy is not found")
rc, out, _ = con("trader", "strategy", "delete", "console spread", json_out=False)
check("strategy delete (console): gone", "deleted" in out and not query(
    "SELECT id FROM strategies WHERE name = 'console spread'"), out)
# an option chain
rc, out, err = con("trader", "chain", "NIFTY", "--strikes", "2", "--limit", "3", "--json",
                   json_out=False)
docs = [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]
view = docs[0] if docs else {}
chain_events = [d for d in docs[1:] if d.get("event") == "chain"]
check("chain: 5 strikes around ATM, calls and puts",
      len(view.get("instruments", [])) == 10 and view.get("atm", 0) > 0 and
      all(i["symbol"].startswith("NIFTY") for i in view.get("instruments", [])), (out[:500], err))
check("chain: prices streamed", chain_events and all(t["ltp"] > 0 for e in chain_events
                                                     for t in e["ticks"]), docs[:3])


def chain_row():
    rows = query("SELECT session_type, instrument, symbol_count, is_active FROM websocket_sessions "
                 f"WHERE session_id = '{view.get('session_id', '')}'")
    return rows[0] if rows else None


deadline = time.time() + 10
while time.time() < deadline and not (chain_row() and chain_row()[3] in ("0", "f", "False")):
    time.sleep(0.3)  # the store writes the closed row within its flush interval
row = chain_row()
check("chain: its websocket_sessions row, closed when the console ended it",
      row and row[0] == "option_chain" and row[1] == "NIFTY" and row[2] == "10" and
      row[3] in ("0", "f", "False"), row)
for args in [["chain", "FOO"], ["chain", "NIFTY", "--expiry", "2020-01-01"],
             ["chain", "NIFTY", "--expiry", "tomorrow"], ["chain", "NIFTY", "--strikes", "99"]]:
    con("trader", *args, expect=2, json_out=False, label=f"console {' '.join(args)}: usage error")

# -- bad input -------------------------------------------------------------------------------
before = snapshot()
bad = [["nosuch"], ["show"], ["show", "abc"], ["show", "99999999999999999999"], ["show", "-4"],
       ["show", "ünïcode"], ["exit"], ["exit", "0"], ["exit", str(run), "--leg", "x"],
       ["exit", str(run), "--leg", "1", "--account", "alpha"], ["run"], ["watch", str(run), "--limit", "0"],
       ["watch"], ["risk-events", "--run", "-1"], ["quote"], ["quote", "NIFTY;DROP TABLE users"],
       ["quote", "ÑIFTY"], ["positions", "--account"], ["strategy"], ["strategy", "show"],
       ["runs", "--all=maybe"], ["status", "extra"], ["exit", str(run), "--nope"],
       ["show", "1" * 400], ["--timeout", "0", "status"]]
for args in bad:
    rc, _, err = con("trader", *args, expect=2, json_out=False,
                     label=f"bad input {args!r:.60}: exit 2")
    check(f"bad input {args!r:.60}: a message", err.strip() != "", err)
r = subprocess.run([console, "--node", "localhost", "--user", "trader", "status"],
                   capture_output=True, text=True)
check("--node without a port: exit 2 naming --node", r.returncode == 2 and "--node" in r.stderr,
      r.stderr)
r = subprocess.run([console, "--node", "10.1.2.3:4343", "--user", "trader", "status"],
                   capture_output=True, text=True)
check("a remote node without TLS is refused by the console", r.returncode == 2 and
      "--tls-dir" in r.stderr, r.stderr)
check("bad input changed nothing", snapshot() == before)
r = subprocess.run([console, "exit", "--help"], capture_output=True, text=True)
check("exit --help explains --leg", r.returncode == 0 and "--leg" in r.stdout, r.stdout + r.stderr)

# the interactive console on a terminal (libedit): a prompt, commands, a usage error, quit
import pty, select
pid, fd = pty.fork()
if pid == 0:
    os.environ["ALGOMIRROR_PASSWORD"] = password["trader"]
    os.execv(console, [console, "--node", f"127.0.0.1:{console_port}", "--user", "trader"])
seen = b""


def until(pattern, timeout=20):
    global seen
    deadline = time.time() + timeout
    while time.time() < deadline:
        if re.search(pattern, seen):
            return True
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return re.search(pattern, seen) is not None


check("interactive: the prompt", until(rb"algomirror> "), seen[-500:])
os.write(fd, b"accounts\r")
check("interactive: accounts answered", until(rb"beta.*\n.*algomirror> ", 20), seen[-800:])
os.write(fd, b"show abc\r")
check("interactive: a usage error is explained and the prompt comes back",
      until(rb"abc.*\n(.*\n)*.*algomirror> ", 20), seen[-800:])
os.write(fd, b"quit\r")
_, status = os.waitpid(pid, 0)
check("interactive: quit ends it with 0", os.WEXITSTATUS(status) == 0, status)
outputs.append(seen.decode(errors="replace"))

# lockout (last: it locks 'other' out for a minute)
for i in range(5):
    con("other", "status", pw=f"Wrong#{i}pass", expect=3, label=f"lockout: failure {i + 1}")
rc, _, err = con("other", "status", expect=3, label="lockout: the right password is refused now")
said("too many failed logins", err, "lockout: says why")

rc = p.stop()
check("node: stops on SIGTERM", rc == 0, rc)

# -- guards at rest: a strategy with an unfinished run, an account with open positions -------
execute_sql(f"UPDATE strategy_runs SET status = 'live' WHERE id = {run}")
execute_sql(f"UPDATE strategy_executions SET status = 'entered' WHERE id = {db_ids[0]}")
before = snapshot()
r = cli("strategy", "import", straddle, "--user", "trader", expect=1,
        label="a strategy with an unfinished run is not replaced")
said(f"run {run}", r.stderr, "the refusal names the run")
r = cli("strategy", "delete", "console straddle", "--user", "trader", expect=2,
        label="a strategy with an unfinished run is not deleted")
acct_of_first = query(f"SELECT a.account_name FROM strategy_executions e JOIN trading_accounts a "
                      f"ON a.id = e.account_id WHERE e.id = {db_ids[0]}")[0][0]
r = cli("account", "remove", acct_of_first, "--user", "trader", expect=2,
        label="an account with open positions is not removed")
said("account disable", r.stderr, "the refusal says to disable it")
check("guards changed nothing", snapshot() == before)
cli("account", "disable", acct_of_first, "--user", "trader")
check("account disable: is_active false", query(f"SELECT is_active FROM trading_accounts WHERE "
                                                f"account_name = '{acct_of_first}'")[0][0] in ("0", "f", "False"))
cli("account", "enable", acct_of_first, "--user", "trader")
execute_sql(f"UPDATE strategy_executions SET status = 'exited' WHERE id = {db_ids[0]}")
execute_sql(f"UPDATE strategy_runs SET status = 'finished' WHERE id = {run}")
r = subprocess.run([node, "--db", db_url, "--log-file", "none", "--console-port", "0"],
                   capture_output=True, text=True, timeout=30,
                   env=dict(os.environ, ALGOMIRROR_MASTER_KEY=wrong_key))
check("the node refuses a wrong master key at start", r.returncode == 2 and
      "does not open this database" in r.stderr, r.stderr)

# -- mutual TLS ------------------------------------------------------------------------------
tls = f"{work}/tls"
cli("certs", "init", tls, label="certs init")
cli("certs", "issue", tls, "trader", label="certs issue")
modes = {f: oct(os.stat(f"{tls}/{f}").st_mode & 0o777) for f in os.listdir(tls)}
check("certs: keys are 0600", all(m == "0o600" for f, m in modes.items() if f.endswith(".key")),
      modes)
cli("certs", "init", tls, expect=1, label="certs init refuses an existing CA")
rogue = f"{work}/rogue"
cli("certs", "init", rogue, label="certs init (another CA)")
cli("certs", "issue", rogue, "trader", label="certs issue (another CA)")
r = subprocess.run([node, *common, "--console-port", "4", "--console-bind", "0.0.0.0"],
                   capture_output=True, text=True, timeout=30)
check("a non-loopback bind without certificates is refused", r.returncode == 2 and
      "--tls-dir" in r.stderr, r.stderr)
p = start_node(["--tls-dir", tls])
console_extra = ["--tls-dir", tls, "--tls-name", "trader"]
rc, st, _ = con("trader", "status", label="mutual TLS: status")
check("mutual TLS: the node answers", st and st["node"]["phase"] == "running", st)
console_extra = []
rc, _, err = con("trader", "status", expect=3, label="mutual TLS: a console without a certificate "
                                                     "is refused")
console_extra = ["--tls-dir", rogue, "--tls-name", "trader"]
rc, _, err = con("trader", "status", expect=3, label="mutual TLS: another CA's certificate is refused")
os.chmod(f"{tls}/trader.key", 0o644)
console_extra = ["--tls-dir", tls, "--tls-name", "trader"]
rc, _, err = con("trader", "status", expect=2, label="mutual TLS: a key readable by others is refused")
said("chmod 600", err, "the key's mode is named")
os.chmod(f"{tls}/trader.key", 0o600)
console_extra = []
check("node (TLS): stops on SIGTERM", p.stop() == 0)

# -- secrets ---------------------------------------------------------------------------------
with open(f"{work}/node.log", errors="replace") as f:
    outputs.append(f.read())
everything = "\n".join(outputs)
for label, secret in [("master key", master_hex)] + [(f"API key of {n}", keys[n]) for n in keys] + \
                     [(f"password of {u}", pw) for u, pw in password.items()]:
    check(f"secrets: the {label} is in no output or log", secret not in everything)

sim_proc.terminate()
result.finish()
