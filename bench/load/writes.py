#!/usr/bin/env python3
"""Write-load client for bench/load/writes.sh (stdlib only).

  writes.py units URL TOKEN PLAN             lead unit codes of the plan, one a line
  writes.py load URL PLAN TOKENS ADMIN SECONDS CLIENTS ACKED   the write load
  writes.py check URL ADMIN ACKED            every acknowledged write is still there
  writes.py sqlite PATH THREADS SECONDS      raw single-row commits (duban's pragmas)

The load: every (task, period) of the plan with its lead unit is one work item; items are
dealt round-robin to CLIENTS threads (so no two clients write the same report). A client
loops over its items: save (POST /api/v1/reports → 201/200), submit (POST …/submit → 200),
then an admin returns it with a comment (POST …/return → 200) so the next round can save
and submit it again. Each request is timed; 409 and 5xx are counted separately, transport
errors (refused/reset connections, e.g. while the server is killed) too.
"""
import http.client
import json
import sqlite3
import sys
import threading
import time
import urllib.parse


def conn_of(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def call(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def plan_items(url, token, plan):
    c = conn_of(url)
    s, b = call(c, "GET", f"/api/v1/plans/{plan}", token)
    assert s == 200, (s, b[:200])
    detail = json.loads(b)
    s, b = call(c, "GET", f"/api/v1/plans/{plan}/periods", token)
    assert s == 200, (s, b[:200])
    periods = json.loads(b)
    items = []
    for t in detail["tasks"]:
        leads = [a["unit_code"] for a in t.get("assignments", []) if a["role"] == "lead"]
        for unit in leads:
            for p in periods:
                if p["cadence"] == t["cadence"]:
                    items.append((unit, t["number"], p["key"]))
    return items


def cmd_units(url, token, plan):
    for u in sorted({i[0] for i in plan_items(url, token, plan)}):
        print(u)


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def cmd_load(url, plan, tokens_file, admin, seconds, clients, acked_path):
    tokens = dict(line.split() for line in open(tokens_file) if line.strip())
    items = [i for i in plan_items(url, admin, plan) if i[0] in tokens]
    seconds, clients = float(seconds), int(clients)
    per = [items[k::clients] for k in range(clients)]
    lock = threading.Lock()
    stats = {"2xx": 0, "409": 0, "4xx": 0, "5xx": 0, "conn": 0, "saves": 0, "submits": 0}
    lat = []
    acked = {}  # report id -> highest version acknowledged by a 2xx
    stop = time.monotonic() + seconds

    def client(mine):
        if not mine:
            return
        conn = conn_of(url)
        local = {k: 0 for k in stats}
        my_lat = []
        my_acked = {}
        n = 0
        while time.monotonic() < stop:
            unit, task, period = mine[n % len(mine)]
            n += 1
            tok = tokens[unit]
            body = {
                "plan_id": int(plan), "task": task, "period": period,
                "progress": f"第 {n} 轮：推进顺利", "problems": "无", "next_steps": "继续推进",
            }
            steps = [("POST", "/api/v1/reports", tok, body, "saves")]
            rid = None
            for step in range(3):
                if step == 1:
                    steps.append(("POST", f"/api/v1/reports/{rid}/submit", tok, {}, "submits"))
                if step == 2:
                    steps.append(("POST", f"/api/v1/reports/{rid}/return", admin,
                                  {"comment": "请补充"}, None))
                method, path, t, b, kind = steps[step]
                t0 = time.monotonic()
                try:
                    s, raw = call(conn, method, path, t, b)
                except (OSError, http.client.HTTPException):
                    local["conn"] += 1
                    conn.close()
                    conn = conn_of(url)
                    time.sleep(0.05)
                    break
                my_lat.append(time.monotonic() - t0)
                if 200 <= s < 300:
                    local["2xx"] += 1
                    if kind:
                        local[kind] += 1
                    r = json.loads(raw)
                    rid = r["id"]
                    my_acked[rid] = max(my_acked.get(rid, 0), r["version"])
                    continue
                if s == 409:
                    local["409"] += 1
                elif s >= 500:
                    local["5xx"] += 1
                else:
                    local["4xx"] += 1
                    if local["4xx"] <= 3:
                        print(f"unexpected {s} on {path}: {raw[:200]!r}", file=sys.stderr)
                break
        with lock:
            for k, v in local.items():
                stats[k] += v
            lat.extend(my_lat)
            for k, v in my_acked.items():
                acked[k] = max(acked.get(k, 0), v)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(m,)) for m in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    total = len(lat)
    json.dump({str(k): v for k, v in acked.items()}, open(acked_path, "w"))
    print(f"  items {len(items)} over {sum(1 for m in per if m)} clients, {wall:.1f} s")
    print(f"  requests/s {total / wall:8.1f}   p50 {pct(lat, 0.5) * 1000:7.1f} ms   "
          f"p99 {pct(lat, 0.99) * 1000:7.1f} ms")
    print(f"  2xx {stats['2xx']}  409 {stats['409']}  other 4xx {stats['4xx']}  "
          f"5xx {stats['5xx']}  transport errors {stats['conn']}")
    print(f"  saves/s {stats['saves'] / wall:.1f}  submits/s {stats['submits'] / wall:.1f}")
    print(f"RESULT writes_per_s {(stats['saves'] + stats['submits']) / wall:.2f} "
          f"fivexx {stats['5xx']} other4xx {stats['4xx']}")


def cmd_check(url, admin, acked_path):
    acked = json.load(open(acked_path))
    conn = conn_of(url)
    missing = stale = 0
    for rid, version in acked.items():
        s, b = call(conn, "GET", f"/api/v1/reports/{rid}", admin)
        if s != 200:
            missing += 1
        elif json.loads(b)["version"] < version:
            stale += 1
    print(f"  durability: {len(acked)} acknowledged reports checked, {missing} missing, "
          f"{stale} older than acknowledged")
    sys.exit(1 if missing or stale else 0)


def cmd_sqlite(path, threads, seconds):
    threads, seconds = int(threads), float(seconds)
    setup = sqlite3.connect(path, isolation_level=None)
    # The pragmas of crates/duban-store/src/db.rs.
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    setup.close()
    counts = [0] * threads
    busy = [0] * threads
    stop = time.monotonic() + seconds

    def worker(i):
        c = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
        c.execute("PRAGMA busy_timeout = 10000")
        c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        while time.monotonic() < stop:
            try:
                c.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # busy past the timeout: try again
                busy[i] += 1
                continue
            c.execute("INSERT INTO t (v) VALUES (?)", ("x" * 64,))
            c.execute("COMMIT")
            counts[i] += 1
        c.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if sum(busy):
        print(f"({sum(busy)} BEGINs timed out busy and were retried)", file=sys.stderr)
    print(f"{sum(counts) / (time.monotonic() - t0):.1f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"units": cmd_units, "load": cmd_load, "check": cmd_check, "sqlite": cmd_sqlite}[cmd](*args)
