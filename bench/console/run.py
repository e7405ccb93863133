#!/usr/bin/env python3
"""bench/console driver: openalgo-sim with N accounts (default 100), a node with its console on
mutual TLS, a 4-leg straddle live on every account, then bench-console measures status,
show RUN and exit --leg beside a bare CAF TLS request/response floor between two processes.
usage: run.py [BUILD_DIR] [--accounts N] [--calls N]"""
import argparse, datetime, json, os, re, socket, subprocess, sys, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default=os.path.join(os.path.dirname(__file__), "../../build"))
ap.add_argument("--accounts", type=int, default=100)
ap.add_argument("--calls", type=int, default=1000)
ap.add_argument("--tick-interval-ms", type=int, default=200,
                help="the simulator's tick interval (the node's load while it answers)")
args = ap.parse_args()
build = os.path.realpath(args.build)
node = f"{build}/apps/algomirror-node/algomirror-node"
console = f"{build}/apps/algomirror-console/algomirror-console"
sim = f"{build}/apps/openalgo-sim/openalgo-sim"
bench = f"{build}/bench/bench-console"
work = tempfile.mkdtemp(prefix="bench-console-")
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
start = datetime.datetime(2026, 11, 25, 10, 0, 0, tzinfo=IST)
t0 = time.time()
names = [f"acct{i:03d}" for i in range(args.accounts)]
keys = {n: n * 5 + "k" * 10 for n in names}
with open(f"{work}/accounts.csv", "w") as f:
    for n in names:
        f.write(f"{n},{keys[n]},0,0\n")
simp = subprocess.Popen([sim, "--accounts", f"{work}/accounts.csv", "--clock-start", start.isoformat(),
                         "--tick-interval-ms", str(args.tick_interval_ms), "--log-file", "none"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
ports = {}
while len(ports) < len(names):
    line = simp.stderr.readline()
    if not line:
        sys.exit("the simulator did not start")
    m = re.search(r"account (\w+) on http://127\.0\.0\.1:(\d+) ws://127\.0\.0\.1:(\d+)", line)
    if m:
        ports[m.group(1)] = (m.group(2), m.group(3))
threading.Thread(target=lambda: simp.stderr.read(), daemon=True).start()
master = f"{work}/master.key"
open(master, "w").write(os.urandom(32).hex())
os.chmod(master, 0o600)
db = f"sqlite:{work}/bench.db"
common = ["--db", db, "--master-key-file", master, "--log-file", f"{work}/node.log"]
pw = "B3nch#Desk"
env = dict(os.environ, ALGOMIRROR_PASSWORD=pw)
subprocess.run([node, *common, "user", "add", "--username", "bench", "--email", "b@x.in"], env=env,
               check=True, capture_output=True)
print(f"adding {len(names)} accounts ...", flush=True)
for n in names:
    h, w = ports[n]
    subprocess.run([node, *common, "account", "add", "--name", n, "--host", f"http://127.0.0.1:{h}",
                    "--ws-url", f"ws://127.0.0.1:{w}", "--api-key", keys[n]], check=True,
                   capture_output=True)
leg = lambda a, o, s="ATM", off=0: {"underlying": "NIFTY", "expiry": "current_week", "action": a,
                                     "option_type": o, "strike": s, "strike_offset": off, "lots": 1}
doc = {"name": "bench straddle", "risk_scope": "account", "product": "MIS", "accounts": names,
       "legs": [leg("BUY", "CE", "OTM", 4), leg("BUY", "PE", "OTM", 4), leg("SELL", "CE"),
                leg("SELL", "PE")]}
json.dump(doc, open(f"{work}/s.json", "w"))
subprocess.run([node, *common, "strategy", "import", f"{work}/s.json"], check=True, capture_output=True)
tls = f"{work}/tls"
subprocess.run([node, "certs", "init", tls], check=True, capture_output=True)
subprocess.run([node, "certs", "issue", tls, "bench"], check=True, capture_output=True)
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
clock = start + datetime.timedelta(seconds=time.time() - t0)
nodep = subprocess.Popen([node, *common, "--clock-start", clock.isoformat(), "--console-port", str(port),
                          "--tls-dir", tls, "--status-poll-ms", "500"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
con = [console, "--node", f"127.0.0.1:{port}", "--user", "bench", "--tls-dir", tls, "--tls-name", "bench"]
for _ in range(60):
    r = subprocess.run([*con, "status", "--json"], env=env, capture_output=True, text=True)
    if r.returncode == 0:
        break
    time.sleep(0.5)  # the node is starting: asked again
r = subprocess.run([*con, "run", "bench straddle", "--json"], env=env, capture_output=True, text=True)
run = json.loads(r.stdout)["run_id"]
print(f"run {run} started; waiting until every leg is entered ...", flush=True)
deadline = time.time() + 300
while time.time() < deadline:
    r = subprocess.run([*con, "show", str(run), "--json"], env=env, capture_output=True, text=True)
    if r.returncode == 0:
        shown = json.loads(r.stdout)
        if shown["phase"] == "live" and all(l["status"] == "entered" for l in shown["legs"]):
            break
    time.sleep(1)  # another process's run: asked again
floor = subprocess.Popen([bench, "floor-server", "--tls-dir", tls], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
fport = int(re.search(r"floor port (\d+)", floor.stdout.readline()).group(1))
r = subprocess.run([bench, "measure", "--node", f"127.0.0.1:{port}", "--tls-dir", tls, "--user", "bench",
                    "--run", str(run), "--floor-port", str(fport), "--calls", str(args.calls)], env=env)
floor.stdin.close()
floor.wait(10)
nodep.terminate()
nodep.wait(60)
simp.terminate()
sys.exit(r.returncode)
