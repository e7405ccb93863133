#!/usr/bin/env python3
"""openalgo-sim as a user runs it: options checked, several accounts on their own ports,
REST replies in OpenAlgo's shapes, the ledger, a clean stop on SIGTERM."""
import json, os, re, signal, subprocess, sys, tempfile, threading, urllib.error, urllib.request

sim = sys.argv[1]
passes = failures = 0

def check(name, ok, detail=""):
    global passes, failures
    if ok:
        passes += 1
    else:
        failures += 1
        print(f"FAIL: {name} {detail}")

def post(port, path, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST",
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

# Bad options stop it at start with exit code 2 and a message naming the option.
r = subprocess.run([sim, "--api-key", "k", "--rate-limit-orders", "0"], capture_output=True, text=True)
check("bad rate limit exits 2", r.returncode == 2 and "--rate-limit-orders" in r.stderr, r.stderr)
r = subprocess.run([sim], capture_output=True, text=True)
check("missing key exits 2", r.returncode == 2 and "--api-key" in r.stderr, r.stderr)
r = subprocess.run([sim, "--api-key", "k", "--port", "0", "--ws-port", "0", "--faults", "[1,2]"],
                   capture_output=True, text=True, timeout=30)
check("bad fault JSON exits 2", r.returncode == 2 and "/control/faults" in r.stderr, r.stderr)
r = subprocess.run([sim, "--help"], capture_output=True, text=True)
check("help lists options", r.returncode == 0 and "--accounts" in r.stdout and "--clock-start" in r.stdout)

with tempfile.TemporaryDirectory() as work:
    accounts = os.path.join(work, "accounts.csv")
    with open(accounts, "w") as f:
        f.write("# name,api_key,port,ws_port,capital\nalpha,%s,0,0\nbeta,%s,0,0,500000\n" % ("a" * 64, "b" * 64))
    log = os.path.join(work, "sim.log")
    proc = subprocess.Popen([sim, "--accounts", accounts, "--log-file", log,
                             "--clock-start", "2026-11-25T10:00:00+05:30",
                             "--faults", '{"status":500,"count":1,"endpoint":"funds"}'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # The start lines are read from the simulator's console as they come (no polling); a
    # watchdog kills it if they never do.
    watchdog = threading.Timer(30, proc.kill)
    watchdog.start()
    ports = {}
    for line in proc.stderr:
        m = re.search(r"account (\w+) on http://127\.0\.0\.1:(\d+) ws://127\.0\.0\.1:(\d+)", line)
        if m:
            ports[m.group(1)] = int(m.group(2))
        if len(ports) == 2:
            break
    watchdog.cancel()
    drain = threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True)
    drain.start()
    check("both accounts listen", len(ports) == 2, str(ports))
    if len(ports) == 2:
        a, b = ports["alpha"], ports["beta"]
        status, body = post(a, "/api/v1/ping", {"apikey": "a" * 64})
        check("ping", status == 200 and json.loads(body)["data"]["message"] == "pong", body)
        check("jsonify bytes", body.endswith("\n") and body.startswith('{"data":{"broker"'), body)
        status, body = post(a, "/api/v1/funds", {"apikey": "a" * 64})
        check("a fault set at start", status == 500, body)
        status, body = post(a, "/api/v1/funds", {"apikey": "a" * 64})
        check("… only for its count", status == 200, body)
        status, body = post(a, "/api/v1/ping", {"apikey": "b" * 64})
        check("the other account's key is refused here", status == 403, body)
        status, body = post(a, "/api/v1/ping", {})
        check("missing key is shape B", status == 400 and json.loads(body)["message"] == {"apikey": ["Missing data for required field."]}, body)
        status, body = post(a, "/api/v1/ping", b"{oops")
        check("invalid JSON is restx 400", status == 400 and "could not understand" in body, body)
        status, body = post(a, "/api/v1/ping", {"apikey": "a" * 64}, "text/plain")
        check("wrong content type is 500", status == 500, body)
        status, body = post(a, "/api/v1/expiry", {"apikey": "a" * 64, "symbol": "NIFTY", "exchange": "NFO", "instrumenttype": "options"})
        expiries = json.loads(body)["data"]
        check("expiries from the clock", status == 200 and expiries[0] == "01-DEC-26", body)
        symbol = "NIFTY01DEC2624000CE"
        status, body = post(a, "/api/v1/placeorder", {"apikey": "a" * 64, "strategy": "AM:9:9:1", "exchange": "NFO",
                                                     "symbol": symbol, "action": "SELL", "quantity": "65", "product": "NRML"})
        reply = json.loads(body)
        check("placeorder", status == 200 and len(reply.get("orderid", "")) == 14 and reply["mode"] == "analyze", body)
        status, body = post(b, "/api/v1/placeorder", {"apikey": "b" * 64, "strategy": "x", "exchange": "NFO",
                                                     "symbol": symbol, "action": "BUY", "quantity": 65 * 1000, "product": "NRML"})
        check("beta's smaller capital refuses a big order", status == 400 and "Insufficient funds" in body, body)
        status, body = post(a, "/control/ledger", {})
        ledger = json.loads(body)["ledger"]
        check("alpha's ledger", len(ledger) == 1 and ledger[0]["strategy"] == "AM:9:9:1" and ledger[0]["quantity"] == 65, body)
        status, body = post(b, "/control/ledger", {})
        check("beta's ledger holds its refused order", len(json.loads(body)["ledger"]) == 1, body)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = -1
    check("SIGTERM stops it with exit code 0", rc == 0, f"rc={rc}")
    check("api keys never in the log", "a" * 64 not in open(log).read())

print(f"sim_cli: {passes} passed, {failures} failed")
sys.exit(1 if failures else 0)
