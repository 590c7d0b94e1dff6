#!/usr/bin/env python3
"""Poll a /metrics URL at a fixed interval and report scrape latency.

Used by bench/run for phase 3 (idle scrape latency vs scrape latency while
wrk saturates ingestion).  Like Prometheus, it keeps one HTTP/1.1 connection
alive and reads the whole body; latency is measured from sending the request
to having read the last byte.  Ticks are scheduled on an absolute clock, so
a slow scrape does not shift the following ones (a tick already missed is
skipped, as Prometheus would).  Prints one JSON line.  Standard library only.

Usage: scrape.py URL --interval 0.1 --duration 10 [--out FILE]
"""

import argparse
import http.client
import json
import math
import sys
import time
from urllib.parse import urlsplit


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    # nearest-rank, the same definition as wrk's latency:percentile()
    k = max(0, math.ceil(p / 100.0 * len(sorted_vals)) - 1)
    return sorted_vals[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--out")
    a = ap.parse_args()

    u = urlsplit(a.url)
    path = u.path or "/"
    conn = None
    lat, errors, sizes = [], 0, []
    start = time.monotonic()
    deadline = start + a.duration
    tick = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if tick > now:
            time.sleep(tick - now)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=a.timeout)
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Accept": "text/plain"})
            resp = conn.getresponse()
            body = resp.read()
            t1 = time.perf_counter()
            if resp.status != 200:
                errors += 1
            else:
                lat.append((t1 - t0) * 1e6)
                sizes.append(len(body))
        except (OSError, http.client.HTTPException):
            errors += 1
            if conn is not None:
                conn.close()
            conn = None
        tick += a.interval
        now = time.monotonic()
        if tick < now:  # missed ticks are skipped, not bunched up
            tick += math.ceil((now - tick) / a.interval) * a.interval
    s = sorted(lat)
    out = {
        "scrapes": len(lat),
        "errors": errors,
        "p50_us": percentile(s, 50),
        "p90_us": percentile(s, 90),
        "p99_us": percentile(s, 99),
        "max_us": s[-1] if s else None,
        "mean_us": sum(s) / len(s) if s else None,
        "body_bytes": sizes[-1] if sizes else None,
    }
    line = json.dumps(out)
    print("BENCH_JSON " + line)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    if not lat:
        sys.exit(1)


if __name__ == "__main__":
    main()
