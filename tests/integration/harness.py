"""What the Python integration tests share: pass/fail counting, openalgo-sim started on its
accounts, the simulator's REST, a database of the test's own on the PostgreSQL test server, a
free port and a process whose output is followed."""
import json, os, re, socket, sqlite3, subprocess, sys, threading, time
import urllib.error, urllib.request


class results:
    def __init__(self):
        self.passes = self.failures = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passes += 1
        else:
            self.failures += 1
            print(f"FAIL: {name} {str(detail)[:1500]}", flush=True)
        return ok

    def finish(self):
        print(f"{self.passes} passed, {self.failures} failed", flush=True)
        sys.exit(1 if self.failures else 0)


def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode() or "{}")
    except urllib.error.HTTPError as e:
        return json.loads(e.read().decode() or "{}")


def start_sim(sim, work, keys, clock_start, tick_ms=100):
    """openalgo-sim with one account per entry of `keys` (name → API key): the process and
    each account's (http, ws) ports; exits the test when it does not start."""
    with open(f"{work}/sim-accounts.csv", "w") as f:
        for n, k in keys.items():
            f.write(f"{n},{k},0,0\n")
    proc = subprocess.Popen([sim, "--accounts", f"{work}/sim-accounts.csv", "--clock-start",
                             clock_start.isoformat(), "--tick-interval-ms", str(tick_ms),
                             "--log-file", "none"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ports = {}
    deadline = time.time() + 30
    while len(ports) < len(keys) and time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"account (\w+) on http://127\.0\.0\.1:(\d+) ws://127\.0\.0\.1:(\d+)", line)
        if m:
            ports[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    if len(ports) < len(keys):
        print("FAIL: the simulator did not start")
        sys.exit(1)
    return proc, ports


def fresh_pg_database(prefix):
    """A database of its own on the test server (CTest's fixture); its URL."""
    server = os.environ["ALGOMIRROR_TEST_PG_URL"]
    name = f"{prefix}_{os.getpid()}"
    subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True,
                   stderr=subprocess.DEVNULL)
    subprocess.run(["psql", server, "-qc", f"CREATE DATABASE {name}"], check=True)
    return server.rsplit("/", 1)[0] + "/" + name


def query(db_url, sql):
    if db_url.startswith("sqlite:"):
        con = sqlite3.connect(db_url[len("sqlite:"):], timeout=10)
        try:
            return [tuple(str(c) if c is not None else "" for c in row) for row in con.execute(sql)]
        finally:
            con.close()
    out = subprocess.run(["psql", db_url, "-AtF", "\t", "-c", sql], capture_output=True, text=True)
    return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class followed:
    """A process whose output lines are kept and can be waited for."""

    def __init__(self, args, **kw):
        self.lines, self.cv = [], threading.Condition()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, **kw)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line)
                self.cv.notify_all()

    def mark(self):
        with self.cv:
            return len(self.lines)

    def wait_for(self, pattern, timeout=30, after=0):
        """The first match of `pattern` in a line from `after` on, or None."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        with self.cv:
            while time.time() < deadline:
                for l in self.lines[after:]:
                    m = rx.search(l)
                    if m:
                        return m
                if self.proc.poll() is not None:
                    return None
                self.cv.wait(0.2)
        return None

    def output(self, last=40):
        with self.cv:
            return "".join(self.lines[-last:])
