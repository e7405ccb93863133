#!/usr/bin/env python3
"""The lease on PostgreSQL (operating.md §1), against CTest's private server: a second node is
refused naming the holder; the server restarted under a running node: the lease is re-taken;
the lease's connection killed while someone else takes the lock: the node stops every order
(new runs refused, `status` shows the lease lost) until it holds the lease again.
usage: lease_pg.py ALGOMIRROR_NODE ALGOMIRROR_CONSOLE SOURCE_DIR"""
import os, re, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import followed, free_port, fresh_pg_database, results

node, console, source = (os.path.realpath(p) for p in sys.argv[1:4])
work = tempfile.mkdtemp(prefix="algomirror-lease-")
db_url = fresh_pg_database("lease")
name = db_url.rsplit("/", 1)[1]
server = os.environ["ALGOMIRROR_TEST_PG_URL"]
LEASE_KEY = 0x416c676f4d697272
result = results()
check = result.check






common = ["--db", db_url, "--log-file", "none", "--lease-heartbeat-ms", "200"]
pw = "Le4se#Desk"
r = subprocess.run([node, *common, "user", "add", "--username", "ops", "--email", "o@x.in"],
                   capture_output=True, text=True, env=dict(os.environ, ALGOMIRROR_PASSWORD=pw))
check("user add", r.returncode == 0, r.stderr)


port = free_port()
a = followed([node, *common, "--console-port", str(port)])
check("node A starts and takes the lease", a.wait_for(r"console listening") is not None, a.output())
r = subprocess.run([node, *common, "--console-port", "0"], capture_output=True, text=True, timeout=60)
check("node B on the same PostgreSQL database is refused naming the holder",
      r.returncode == 1 and re.search(r"held by node on \S+, pid %d" % a.proc.pid, r.stdout + r.stderr),
      r.stdout + r.stderr)


def status():
    r = subprocess.run([console, "--node", f"127.0.0.1:{port}", "--user", "ops", "status", "--json"],
                       capture_output=True, text=True, env=dict(os.environ, ALGOMIRROR_PASSWORD=pw),
                       timeout=60)
    return r


# The server restarted under the running node: the lease is re-taken.
env = dict(os.environ, PG_KEEP="1")
m = a.mark()
subprocess.run([f"{source}/scripts/pg_stop"], env=env, check=True, stdout=subprocess.DEVNULL)
check("the server down: the node says the lease is lost", a.wait_for(r"lease_lost", 20, m) is not None,
      "".join(a.lines[m:]))
subprocess.run([f"{source}/scripts/pg_start"], env=env, check=True, stdout=subprocess.DEVNULL)
check("the server back: the lease is re-taken", a.wait_for(r"lease is held again", 30, m) is not None,
      "".join(a.lines[m:]))
r = status()
check("status: the lease is held again", r.returncode == 0 and '"held":true' in r.stdout, r.stdout + r.stderr)
r = subprocess.run([node, *common, "--console-port", "0"], capture_output=True, text=True, timeout=60)
check("after the restart a second node is still refused", r.returncode == 1, r.stdout + r.stderr)

# Someone else takes the lock while the node's lease connection is gone: every order stops.
m = a.mark()
thief = subprocess.Popen(["psql", db_url, "-q"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
thief.stdin.write(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                  f"'{name}' AND pid <> pg_backend_pid();\nSELECT pg_advisory_lock({LEASE_KEY});\n"
                  "SELECT 'locked';\n")
thief.stdin.flush()
check("the lock taken by another session: the node stops its orders",
      a.wait_for(r"ALERT lease_lost", 20, m) is not None, "".join(a.lines[m:]))
r = status()
check("status: the lease is not held", r.returncode == 0 and '"held":false' in r.stdout,
      r.stdout + r.stderr)
thief.stdin.close()
thief.wait(10)
check("the other session gone: the node holds the lease again",
      a.wait_for(r"lease is held again", 20, m) is not None, "".join(a.lines[m:]))

a.proc.terminate()
check("node A stops on SIGTERM", a.proc.wait(30) == 0)
subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name}"], stderr=subprocess.DEVNULL)
result.finish()
