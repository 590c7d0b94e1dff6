#!/usr/bin/env python3
"""Poll a /metrics URL at a fixed interval and report scrape latency.

Used by bench/run for phase 3 (idle scrape latency vs scrape latency while
wrk saturates ingestion) and phase 6 (idle vs during a burst).  Like
Prometheus, it keeps one HTTP/1.1 connection alive and reads the whole body;
latency is measured from sending the request to having read the last byte.
Ticks are scheduled on an absolute clock, so a slow scrape does not shift the
following ones (a tick already missed is skipped, as Prometheus would).
Prints one JSON line; --out also gets every latency (samples_us), so that
bench/report.py can pool the scrapes of several runs.  Standard library only.

Usage: scrape.py URL [--interval 0.1] [--duration 10] [--count N]
                 [--warmup N] [--warm-file F] [--start-file F] [--stop-file F]
                 [--out FILE]

--warmup N scrapes first over the same connection and keeps them out of the
figures (reported as warmup_us): they pay for the TCP handshake and the
client's first request, which a kept-alive Prometheus connection does not.
--warm-file F is created once they are done.  --start-file F then waits for
F to exist before the first timed scrape (the clock starts there).  The run
stops at the first of: --duration seconds, --count scrapes (answered or
failed), or --stop-file existing (checked before each scrape but the first).
"""

import argparse
import http.client
import json
import math
import os
import sys
import time
from urllib.parse import urlsplit


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    # nearest-rank, the same definition as wrk's latency:percentile()
    k = max(0, math.ceil(p / 100.0 * len(sorted_vals)) - 1)
    return sorted_vals[k]


class Scraper:
    """One kept-alive connection to URL; reconnects after a failure."""

    def __init__(self, url, timeout):
        self.u = urlsplit(url)
        self.path = self.u.path or "/"
        self.timeout = timeout
        self.conn = None

    def once(self):
        """One GET: (latency in us, body bytes), or (None, None) if it failed."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.u.hostname, self.u.port or 80, timeout=self.timeout)
            t0 = time.perf_counter()
            self.conn.request("GET", self.path, headers={"Accept": "text/plain"})
            resp = self.conn.getresponse()
            body = resp.read()
            t1 = time.perf_counter()
            if resp.status != 200:
                return None, None
            return (t1 - t0) * 1e6, len(body)
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None, None


def cpu_jiffies():
    """(busy, total) jiffies of all CPUs, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return sum(v) - idle, sum(v)


def busy_share(before, after):
    """Share of the machine's CPU time that was busy between two readings:
    with this scraper and the server alone it stays low, so a high idle
    figure says another process competed for the cores."""
    if before is None or after is None or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def exists(path):
    return path is not None and os.path.exists(path)


def wait_for_start(a):
    """Waits for --start-file (or --stop-file: the load ended before it began)."""
    if a.start_file is None:
        return
    give_up = time.monotonic() + 60
    while not exists(a.start_file) and not exists(a.stop_file) and time.monotonic() < give_up:
        time.sleep(0.001)


def poll(a, scraper):
    """The timed scrapes: (latencies, errors, body sizes, seconds, the
    machine's busy share meanwhile)."""
    lat, errors, sizes = [], 0, []
    cpu0 = cpu_jiffies()
    start = time.monotonic()
    deadline = start + a.duration
    tick = start
    while a.count is None or len(lat) + errors < a.count:
        now = time.monotonic()
        if now >= deadline:
            break
        if tick > now:
            time.sleep(tick - now)
        # The first scrape always runs, so that a run has at least one sample.
        if (lat or errors) and exists(a.stop_file):
            break
        us, size = scraper.once()
        if us is None:
            errors += 1
        else:
            lat.append(us)
            sizes.append(size)
        tick += a.interval
        now = time.monotonic()
        if tick < now:  # missed ticks are skipped, not bunched up
            tick += math.ceil((now - tick) / a.interval) * a.interval
    return lat, errors, sizes, time.monotonic() - start, busy_share(cpu0, cpu_jiffies())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--count", type=int, help="stop after this many timed scrapes")
    ap.add_argument("--warmup", type=int, default=0, help="untimed scrapes first, on the same connection")
    ap.add_argument("--warm-file", help="created once the warm-up scrapes are done")
    ap.add_argument("--start-file", help="wait for this file before the first timed scrape")
    ap.add_argument("--stop-file", help="stop once this file exists")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--out")
    a = ap.parse_args()

    scraper = Scraper(a.url, a.timeout)
    warmup = [scraper.once()[0] for _ in range(a.warmup)]
    if a.warm_file:
        open(a.warm_file, "w").close()
    wait_for_start(a)
    lat, errors, sizes, seconds, busy = poll(a, scraper)
    s = sorted(lat)
    out = {
        "scrapes": len(lat),
        "errors": errors,
        "p50_us": percentile(s, 50),
        "p90_us": percentile(s, 90),
        "p95_us": percentile(s, 95),
        "p99_us": percentile(s, 99),
        "max_us": s[-1] if s else None,
        "mean_us": sum(s) / len(s) if s else None,
        "body_bytes": sizes[-1] if sizes else None,
        "interval_s": a.interval,
        "seconds": seconds,
        "machine_busy_share": busy,
        "warmup_us": warmup,
    }
    print("BENCH_JSON " + json.dumps(out))
    if a.out:
        out["samples_us"] = [round(x, 1) for x in lat]
        with open(a.out, "w") as f:
            f.write(json.dumps(out) + "\n")
    if not lat:
        sys.exit(1)


if __name__ == "__main__":
    main()
