#!/usr/bin/env python3
"""Summarise a bench/run run directory: a human table on stdout and a
machine-readable JSON file.  Standard library only.  Makes no pass/fail
decision beyond printing each target next to its figure."""

import argparse
import datetime
import glob
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def runs(rundir, prefix):
    """Per-repetition JSON files named PREFIX-<rep>.json, in rep order."""
    files = glob.glob(os.path.join(rundir, prefix + "-*.json"))
    files.sort(key=lambda p: int(re.search(r"-(\d+)\.json$", p).group(1)))
    return [load(p) for p in files]


# Terminal events the server says it counted: the exporter's and the peer's
# event counters (bare-axum has none).  Compared with wrk's completed
# requests, it shows whether any were rejected or short-circuited as dupes.
EVENT_COUNTERS = ("signalwire_call_events_total", "signalwire_call_terminal_events_total")


def counted_events(path):
    try:
        text = open(path).read()
    except OSError:
        return None
    total, seen = 0.0, False
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in EVENT_COUNTERS and 'status="completed"' in line:
            total += float(line.rsplit(" ", 1)[1])
            seen = True
    return int(total) if seen else None


def accepted(path):
    """The exporter's count of accepted callbacks, from its /metrics."""
    try:
        for line in open(path):
            if line.startswith('signalwire_exporter_webhooks_total{outcome="accepted"}'):
                return int(float(line.rsplit(" ", 1)[1]))
    except OSError:
        pass
    return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


def pct(sorted_vals, p):
    """Nearest-rank percentile, the same definition as scrape.py's and wrk's."""
    if not sorted_vals:
        return None
    return sorted_vals[max(0, -(-len(sorted_vals) * p // 100) - 1)]


def pooled(rs):
    """Every scrape of several scrape.py runs (their samples_us) as one sample."""
    xs = sorted(x for r in rs for x in r.get("samples_us", []))
    return {"scrapes": len(xs), "errors": sum(r.get("errors", 0) for r in rs), "runs": len(rs),
            "p50_us": pct(xs, 50), "p95_us": pct(xs, 95), "p99_us": pct(xs, 99),
            "max_us": xs[-1] if xs else None,
            "machine_busy_share_per_run": [r.get("machine_busy_share") for r in rs]}


def bootstrap_ratios(idle_runs, loaded_runs, ps=(95, 99), rounds=1000):
    """95% intervals of pct(loaded, p) / pct(idle, p), by a two-stage
    bootstrap: each round draws the run pairs (idle run, loaded run of the
    same rep) with replacement, then the scrapes within each drawn run. The
    first stage carries the drift between reps, which is larger on this
    machine than the spread within one. Fixed seed: a report is reproducible."""
    pairs = [(i.get("samples_us"), l.get("samples_us")) for i, l in zip(idle_runs, loaded_runs)]
    pairs = [(i, l) for i, l in pairs if i and l]
    if not pairs:
        return {p: None for p in ps}
    rng = random.Random(13)
    ratios = {p: [] for p in ps}
    for _ in range(rounds):
        drawn = rng.choices(pairs, k=len(pairs))
        xi = sorted(x for i, _ in drawn for x in rng.choices(i, k=len(i)))
        xl = sorted(x for _, l in drawn for x in rng.choices(l, k=len(l)))
        for p in ps:
            ratios[p].append(pct(xl, p) / pct(xi, p))
    return {p: [sorted(r)[int(0.025 * rounds)], sorted(r)[int(0.975 * rounds) - 1]] for p, r in ratios.items()}


# A run pair is disturbed when other processes (another session's build or
# benchmark) took more than this share of the machine's CPU in either run.
OTHERS_MAX = 0.10


def compare_scrapes(idle_runs, loaded_runs, others=None):
    """Pooled idle vs loaded scrape latency: p50/p95/p99 with sample counts,
    loaded/idle ratios, and the p99 ratio of each run pair. With `others`
    (per pair, the share of CPU other processes took, from bench/run), the
    same over the undisturbed pairs only."""
    out = compare_pools(idle_runs, loaded_runs)
    if others:
        out["others_share"] = others
        calm = [i for i, o in enumerate(others)
                if i < min(len(idle_runs), len(loaded_runs))
                and max(o.get("idle") or 0, o.get("loaded") or 0) <= OTHERS_MAX]
        out["undisturbed_runs"] = [i + 1 for i in calm]
        out["undisturbed"] = compare_pools([idle_runs[i] for i in calm], [loaded_runs[i] for i in calm]) if calm else None
    return out


def compare_pools(idle_runs, loaded_runs):
    idle, loaded = pooled(idle_runs), pooled(loaded_runs)
    ci = bootstrap_ratios(idle_runs, loaded_runs)
    return {
        "idle": idle,
        "loaded": loaded,
        "p50_ratio": ratio(loaded["p50_us"], idle["p50_us"]),
        "p95_ratio": ratio(loaded["p95_us"], idle["p95_us"]),
        "p99_ratio": ratio(loaded["p99_us"], idle["p99_us"]),
        "p95_ratio_ci95": ci[95],
        "p99_ratio_ci95": ci[99],
        "per_run_p99_ratio": [ratio(l.get("p99_us"), i.get("p99_us")) for i, l in zip(idle_runs, loaded_runs)],
    }


def without_samples(rs):
    return [{k: v for k, v in r.items() if k != "samples_us"} for r in rs]


def aggregate_bursts(bursts):
    """One burst's figures as they are; several bursts': answers summed, the
    median of seconds, rate and p50, the worst p99 and max."""
    if len(bursts) == 1:
        return bursts[0]
    outcomes = {}
    for b in bursts:
        for k, v in b["outcomes"].items():
            outcomes[k] = outcomes.get(k, 0) + v
    return {"count": sum(b["count"] for b in bursts), "concurrency": bursts[0]["concurrency"],
            "seconds": med([b["seconds"] for b in bursts]), "rps": med([b["rps"] for b in bursts]),
            "outcomes": outcomes, "callback_count": sum(b["callback_count"] for b in bursts),
            "callback_p50_ms": med([b["callback_p50_ms"] for b in bursts]),
            "callback_p99_ms": max(b["callback_p99_ms"] for b in bursts),
            "callback_max_ms": max(b["callback_max_ms"] for b in bursts), "reps": len(bursts)}


def phase6_summary(rundir):
    """Phase 6 over its reps (files p6-*-<rep>.*), each on a fresh server."""
    bursts = runs(rundir, "p6-burst")
    if not bursts:
        return None
    idle, loaded = runs(rundir, "p6-idle"), runs(rundir, "p6-loaded")
    settings = dict(l.strip().split("=", 1) for l in open(os.path.join(rundir, "p6-settings.txt")) if "=" in l)
    drops = {}
    for i in range(1, len(bursts) + 1):
        try:
            for k, v in load(os.path.join(rundir, f"p6-netstat-{i}.json")).items():
                drops[k] = drops.get(k, 0) + v
        except (OSError, ValueError):
            drops = None
            break
    counts = [accepted(os.path.join(rundir, f"p6-{i}.metrics")) for i in range(1, len(bursts) + 1)]
    scrapes = compare_scrapes(idle, loaded, runs(rundir, "p6-others"))
    return {
        "burst": aggregate_bursts(bursts),
        "bursts": bursts,
        # pooled over the reps (one rep: that rep's figures, as before pooling)
        "metrics_idle_p99_us": scrapes["idle"]["p99_us"],
        "metrics_burst_p99_us": scrapes["loaded"]["p99_us"],
        "metrics_idle_scrapes": scrapes["idle"]["scrapes"],
        "metrics_burst_scrapes": scrapes["loaded"]["scrapes"],
        "metrics_burst_errors": scrapes["loaded"]["errors"],
        "metrics_p95_ratio": scrapes["p95_ratio"],
        "metrics_p99_ratio": scrapes["p99_ratio"],
        "scrapes": scrapes,
        "idle_scrape": without_samples(idle),
        "burst_scrape": without_samples(loaded),
        "accepted": None if None in counts else sum(counts),
        "kernel_listen_drops": drops,
        "settings": settings,
        "target": {"all_204": True, "callback_p99_ms_max": 1000, "metrics_p99_ratio_max": 3.0},
    }


def print_scrapes(c, what):
    """The table of pooled idle vs loaded /metrics latency (report.py's stdout)."""
    def ms(us):
        return "-" if us is None else f"{us / 1000:.2f}"

    def x(r):
        return "-" if r is None else f"{r:.2f}x"

    def ci(c):
        return "" if not c else f" [{c[0]:.2f}-{c[1]:.2f}]"

    print(f"  {'/metrics':<18} {'scrapes':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, d in (("idle", c["idle"]), (what, c["loaded"])):
        print(f"  {name:<18} {d['scrapes']:>7} {d['errors']:>6} {ms(d['p50_us']):>7} {ms(d['p95_us']):>7} "
              f"{ms(d['p99_us']):>7} {ms(d['max_us']):>7}")
    print(f"  {what} / idle: p50 {x(c['p50_ratio'])}, p95 {x(c['p95_ratio'])}{ci(c['p95_ratio_ci95'])}, "
          f"p99 {x(c['p99_ratio'])}{ci(c['p99_ratio_ci95'])}  (target p99 <= 3x; [95% bootstrap interval])")
    print(f"  p99 ratio of each run alone: {' '.join(x(r) for r in c['per_run_p99_ratio'])}")
    if "others_share" not in c:
        return

    def share(key):
        return " ".join("-" if o.get(key) is None else f"{100 * o[key]:.0f}%" for o in c["others_share"])
    print(f"  CPU share other processes took, per run: idle {share('idle')}; {what} {share('loaded')}")
    u = c["undisturbed"]
    runs = " ".join(str(i) for i in c["undisturbed_runs"]) or "none"
    if u is None or len(c["undisturbed_runs"]) == len(c["others_share"]):
        print(f"  undisturbed runs (others <= {100 * OTHERS_MAX:.0f}% in both): {runs}")
        return
    print(f"  undisturbed runs only (others <= {100 * OTHERS_MAX:.0f}% in both: {runs}): "
          f"{u['idle']['scrapes']} / {u['loaded']['scrapes']} scrapes, p99 {ms(u['idle']['p99_us'])} -> "
          f"{ms(u['loaded']['p99_us'])} ms; p95 {x(u['p95_ratio'])}{ci(u['p95_ratio_ci95'])}, "
          f"p99 {x(u['p99_ratio'])}{ci(u['p99_ratio_ci95'])}")


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundir")
    ap.add_argument("--out", required=True)
    for name in ("mode", "reps", "duration", "threads", "conns", "count", "dedupe-capacity", "exporter-as-bare", "servers"):
        ap.add_argument("--" + name)
    a = ap.parse_args()

    servers = a.servers.split()
    ingest = {}
    for s in servers:
        rs = runs(a.rundir, f"p1-{s}")
        for i, run in enumerate(rs, 1):
            run["counted_events"] = counted_events(os.path.join(a.rundir, f"p1-{s}-{i}.metrics"))
            # server CPU (user+sys) over the wrk run, per completed request:
            # unlike req/s it hardly depends on what else the machine runs.
            try:
                cpu_ms = int(open(os.path.join(a.rundir, f"p1-{s}-{i}.cpu_ms")).read())
                run["cpu_us_per_request"] = cpu_ms * 1000 / max(1, run["requests"])
            except (OSError, ValueError):
                run["cpu_us_per_request"] = None
        ingest[s] = {
            "runs": [{k: r[k] for k in ("rps", "lat_p50_us", "lat_p99_us", "lat_p999_us", "requests",
                                         "err_status", "err_connect", "err_read", "err_write", "err_timeout",
                                         "repeat_share", "counted_events", "cpu_us_per_request")} for r in rs],
            "rps_median": med([r["rps"] for r in rs]),
            "p50_us_median": med([r["lat_p50_us"] for r in rs]),
            "p99_us_median": med([r["lat_p99_us"] for r in rs]),
            "cpu_us_per_request_median": med([r.get("cpu_us_per_request") for r in rs]),
            "non_2xx": sum(r["err_status"] for r in rs),
            "socket_errors": sum(r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"] for r in rs),
            "repeat_share_max": max((r["repeat_share"] for r in rs), default=None),
        }

    exp, bare = ingest.get("exporter"), ingest.get("bare")
    phase1 = {
        "servers": ingest,
        "exporter_vs_bare": {
            "rps_ratio": ratio(exp["rps_median"], bare["rps_median"]),
            "p99_ratio": ratio(exp["p99_us_median"], bare["p99_us_median"]),
            "cpu_per_request_ratio": ratio(exp["cpu_us_per_request_median"], bare["cpu_us_per_request_median"]),
            "target": {"rps_ratio_min": 0.9, "p99_ratio_max": 1.2},
        },
    }
    if "hmac" in ingest:
        floor = ingest["hmac"]
        # What HMAC-SHA1 of the body alone costs against the bare server: the
        # share of the 10% budget that no signature-checking receiver avoids.
        # Issue 13's judge: the exporter against the floor.
        phase1["exporter_vs_floor"] = {
            "rps_ratio": ratio(exp["rps_median"], floor["rps_median"]),
            "p99_ratio": ratio(exp["p99_us_median"], floor["p99_us_median"]),
            "cpu_per_request_ratio": ratio(exp["cpu_us_per_request_median"], floor["cpu_us_per_request_median"]),
            "target": {"rps_ratio_min": 0.9, "p99_ratio_max": 1.2, "cpu_per_request_ratio_max": 1.25},
        }
        phase1["hmac_floor_vs_bare"] = {
            "rps_ratio": ratio(floor["rps_median"], bare["rps_median"]),
            "p99_ratio": ratio(floor["p99_us_median"], bare["p99_us_median"]),
            "cpu_per_request_ratio": ratio(floor["cpu_us_per_request_median"], bare["cpu_us_per_request_median"]),
        }
    if "python" in ingest:
        phase1["exporter_vs_python"] = {
            "rps_ratio": ratio(exp["rps_median"], ingest["python"]["rps_median"]),
            "p99_ratio": ratio(exp["p99_us_median"], ingest["python"]["p99_us_median"]),
            "cpu_per_request_ratio": ratio(exp["cpu_us_per_request_median"], ingest["python"]["cpu_us_per_request_median"]),
        }

    noscrape = runs(a.rundir, "p3-noscrape")
    withscrape = runs(a.rundir, "p3-scrape")
    idle = runs(a.rundir, "p3-idle")
    loaded = runs(a.rundir, "p3-loaded")
    # The median of per-rep p99s, as before pooling: each rests on ~50 scrapes,
    # so on one or two slow ones. The pooled figures ("scrapes") are the judge.
    idle_p99 = med([r["p99_us"] for r in idle])
    loaded_p99 = med([r["p99_us"] for r in loaded])
    rps_no = med([r["rps"] for r in noscrape])
    rps_with = med([r["rps"] for r in withscrape])
    phase3 = {
        "ingest_rps_without_scraper": [r["rps"] for r in noscrape],
        "ingest_rps_with_scraper": [r["rps"] for r in withscrape],
        "rps_drop": (1 - rps_with / rps_no) if rps_no and rps_with else None,
        # Each rep runs without, then with the scraper, back to back: the
        # median of the per-pair drops discounts the machine's drift between
        # reps, which moves req/s more than the scraper does.
        "rps_drop_paired_median": med([1 - w["rps"] / n["rps"] for n, w in zip(noscrape, withscrape) if n["rps"]]),
        "idle_scrape": without_samples(idle),
        "loaded_scrape": without_samples(loaded),
        "idle_p99_us_median": idle_p99,
        "loaded_p99_us_median": loaded_p99,
        "scrape_p99_ratio": ratio(loaded_p99, idle_p99),
        "scrapes": compare_scrapes(idle, loaded, runs(a.rundir, "p3-others")),
        "non_2xx": sum(r["err_status"] for r in noscrape + withscrape),
        "target": {"scrape_p99_ratio_max": 3.0, "rps_drop_max": 0.10},
    } if noscrape or withscrape else None

    memory = None
    mem_path = os.path.join(a.rundir, "p4-memory.json")
    if os.path.exists(mem_path) and os.path.getsize(mem_path) > 0:
        with open(mem_path) as fh:
            memory = json.load(fh)
        memory["target"] = {"rss_max_kib": 64 * 1024, "series_added_by_junk_max": 0}

    close = {}
    for s in ("bare", "hmac", "exporter"):
        rs = runs(a.rundir, f"p5-{s}")
        for i, run in enumerate(rs, 1):
            try:
                cpu_ms = int(open(os.path.join(a.rundir, f"p5-{s}-{i}.cpu_ms")).read())
                run["cpu_us_per_request"] = cpu_ms * 1000 / max(1, run["requests"])
            except (OSError, ValueError):
                run["cpu_us_per_request"] = None
        if rs:
            close[s] = {
                "rps": [r["rps"] for r in rs],
                "rps_median": med([r["rps"] for r in rs]),
                "p99_us_median": med([r["lat_p99_us"] for r in rs]),
                "cpu_us_per_request_median": med([r["cpu_us_per_request"] for r in rs]),
                "non_2xx": sum(r["err_status"] for r in rs),
                "socket_errors": sum(r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"] for r in rs),
            }
    phase5 = None
    if "exporter" in close and "hmac" in close and "bare" in close:
        ce, cf, cb = close["exporter"], close["hmac"], close["bare"]
        phase5 = {
            "servers": close,
            "exporter_vs_floor": {"rps_ratio": ratio(ce["rps_median"], cf["rps_median"]),
                                  "p99_ratio": ratio(ce["p99_us_median"], cf["p99_us_median"]),
                                  "cpu_per_request_ratio": ratio(ce["cpu_us_per_request_median"], cf["cpu_us_per_request_median"])},
            "exporter_vs_bare": {"rps_ratio": ratio(ce["rps_median"], cb["rps_median"]),
                                 "cpu_per_request_ratio": ratio(ce["cpu_us_per_request_median"], cb["cpu_us_per_request_median"])},
        }

    phase6 = phase6_summary(a.rundir)

    summary = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "params": {"mode": a.mode, "reps": int(a.reps), "duration_s": float(a.duration), "wrk_threads": int(a.threads),
                   "wrk_connections": int(a.conns), "distinct_requests": int(a.count),
                   "dedupe_capacity": int(a.dedupe_capacity), "exporter_as_bare": a.exporter_as_bare == "1",
                   "scrape_interval_s": 0.1},
        "machine": {"nproc": os.cpu_count(), "kernel": platform.release(), "loadavg_at_end": os.getloadavg(),
                    "wrk": (sh(["wrk", "-v"]) or "").splitlines()[0] if sh(["wrk", "-v"]) else None,
                    "rustc": sh(["rustc", "--version"]), "git_rev": sh(["git", "rev-parse", "--short", "HEAD"])},
        "phase1_ingestion": phase1,
        "phase3_scrape_under_load": phase3,
        "phase5_connection_close": phase5,
        "phase6_burst": phase6,
        "phase4_memory": memory,
        "rundir": os.path.relpath(a.rundir),
    }
    with open(a.out, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")

    # ------------------------------------------------------------ table
    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    def counted_share(rs):
        c = [r["counted_events"] for r in rs]
        if any(x is None for x in c):
            return "-"
        return f"{100 * sum(c) / max(1, sum(r['requests'] for r in rs)):.0f}%"

    print()
    print(f"bench/run ({a.mode}): wrk -t{a.threads} -c{a.conns} -d{a.duration}s, {a.reps} rep(s) interleaved, "
          f"{int(a.count):,} distinct signed callbacks, dedupe capacity {int(a.dedupe_capacity):,}"
          + ("  [exporter slot = bare-axum]" if a.exporter_as_bare == "1" else ""))
    print()
    if any(ingest[s]["runs"] for s in servers):
        print("Phase 1: ingestion (POST /status-callback), per run and median")
        print(f"  {'server':<9} {'req/s per run':<30} {'median':>9} {'p99 ms per run':<24} {'median':>7} {'non2xx':>6} {'repeats':>7} {'counted':>7} {'cpu us/req':>10}")
        for s in servers:
            d = ingest[s]
            rps_runs = " ".join(f"{r['rps']:.0f}" for r in d["runs"])
            p99_runs = " ".join(f"{r['lat_p99_us'] / 1000:.2f}" for r in d["runs"])
            print(f"  {s:<9} {rps_runs:<30} {f(d['rps_median'], '.0f'):>9} {p99_runs:<24} "
                  f"{f(d['p99_us_median'] and d['p99_us_median'] / 1000, '.2f'):>7} {d['non_2xx']:>6} "
                  f"{f(d['repeat_share_max'] and 100 * d['repeat_share_max'], '.0f')+'%':>7} {counted_share(d['runs']):>7} {f(d['cpu_us_per_request_median'], '.1f'):>10}")
        r = phase1["exporter_vs_bare"]
        print(f"  exporter / bare-axum:  req/s {f(r['rps_ratio'], '.3f')}  (target >= 0.9)   p99 {f(r['p99_ratio'], '.2f')}x  (target <= 1.2x)   server CPU/request {f(r['cpu_per_request_ratio'], '.2f')}x")
        if "exporter_vs_floor" in phase1:
            r = phase1["exporter_vs_floor"]
            print(f"  exporter / floor:      req/s {f(r['rps_ratio'], '.3f')}  (target >= 0.90)   p99 {f(r['p99_ratio'], '.2f')}x  (target <= 1.2x, median of per-run p99s)   server CPU/request {f(r['cpu_per_request_ratio'], '.2f')}x  (target <= 1.25x)")
        if "hmac_floor_vs_bare" in phase1:
            r = phase1["hmac_floor_vs_bare"]
            print(f"  bare+HMAC / bare-axum: req/s {f(r['rps_ratio'], '.3f')}  (the floor: HMAC-SHA1 of the raw body, nothing else)   p99 {f(r['p99_ratio'], '.2f')}x   server CPU/request {f(r['cpu_per_request_ratio'], '.2f')}x")
        if "exporter_vs_python" in phase1:
            r = phase1["exporter_vs_python"]
            print(f"  exporter / python:     req/s {f(r['rps_ratio'], '.1f')}x   p99 {f(r['p99_ratio'], '.3f')}x   server CPU/request {f(r['cpu_per_request_ratio'], '.3f')}x")
        print("  (repeats: share of requests wrk sent a second time after cycling through its share of the file;"
              " counted: terminal events the server counted / requests wrk completed; can exceed 100% by the requests in flight when wrk stopped)")
    print()
    if phase3:
        print(f"Phase 3: GET /metrics every 100 ms while wrk (nice 19) saturates ingestion (exporter), "
              f"{len(noscrape)} pair(s), scrapes pooled")
        print_scrapes(phase3["scrapes"], "under load")
        print(f"  (median of per-pair p99s: idle {f(idle_p99 and idle_p99 / 1000, '.2f')} ms, under load "
              f"{f(loaded_p99 and loaded_p99 / 1000, '.2f')} ms -> {f(phase3['scrape_p99_ratio'], '.2f')}x)")
        print(f"  ingestion req/s without scraper {' '.join(f'{x:.0f}' for x in phase3['ingest_rps_without_scraper'])}"
              f", with {' '.join(f'{x:.0f}' for x in phase3['ingest_rps_with_scraper'])}"
              f"  -> drop of the medians {f(phase3['rps_drop'] and 100 * phase3['rps_drop'], '.1f')}%,"
              f" median of the paired drops {f(phase3['rps_drop_paired_median'] and 100 * phase3['rps_drop_paired_median'], '.1f')}%  (target <= 10%)")
    if phase5:
        print()
        print("Phase 5: Connection: close (a fresh TCP connection per callback), per run and median")
        for srv, d in phase5["servers"].items():
            print(f"  {srv:<9} {' '.join(f'{x:.0f}' for x in d['rps']):<30} {f(d['rps_median'], '.0f'):>9}   p99 {f(d['p99_us_median'] and d['p99_us_median'] / 1000, '.2f')} ms"
                  f"   cpu {f(d['cpu_us_per_request_median'], '.1f')} us/req   non2xx {d['non_2xx']}   socket errors {d['socket_errors']}")
        r, rb = phase5["exporter_vs_floor"], phase5["exporter_vs_bare"]
        print(f"  exporter / floor: req/s {f(r['rps_ratio'], '.3f')}  (should be close to 1)   p99 {f(r['p99_ratio'], '.2f')}x   CPU/request {f(r['cpu_per_request_ratio'], '.2f')}x;"
              f"  exporter / bare: req/s {f(rb['rps_ratio'], '.3f')}   CPU/request {f(rb['cpu_per_request_ratio'], '.2f')}x")
    if phase6:
        b = phase6["burst"]
        print()
        bs = phase6["bursts"]
        one = bs[0]
        print(f"Phase 6: {len(bs)} burst(s) of {one['count']:,} terminal callbacks from {one['concurrency']:,} concurrent fresh connections (client at nice 19), each on a fresh server")
        print(f"  answers {b['outcomes']}; accepted by the exporter: {phase6['accepted']}")
        secs = " ".join(f"{x['seconds']:.2f}" for x in bs)
        p99s = " ".join(f"{x['callback_p99_ms']:.0f}" for x in bs)
        print(f"  seconds per burst {secs} (median {b['rps']:,.0f} callbacks/s)")
        print(f"  callback latency p99 per burst {p99s} ms, worst {b['callback_p99_ms']:.1f} ms;"
              f" p50 (median) {b['callback_p50_ms']:.1f} ms; max {b['callback_max_ms']:.1f} ms  (target p99 < 1000 ms)")
        print(f"  /metrics every {phase6['settings'].get('scrape_interval_s', '?')} s, idle then from the start of each burst, scrapes pooled:")
        print_scrapes(phase6["scrapes"], "during the burst")
        print(f"  kernel accept-queue drops (machine-wide): {phase6['kernel_listen_drops']}; settings: {phase6['settings']}")
    if memory:
        print()
        print(f"Phase 4: memory (exporter, default dedupe capacity 100,000)")
        samples = " ".join(f"{n // 1000}k:{kib / 1024:.1f}" for n, kib in memory["samples"])
        print(f"  resident MiB after N events: {samples}")
        print(f"  peak {memory['rss_peak_kib'] / 1024:.1f} MiB over {memory['events']:,} distinct calls  (target < 64 MiB)")
        print(f"  series: {memory['series_before_junk']} before junk, {memory['series_after_first_junk']} after the first junk event, "
              f"{memory['series_after_junk']} after {memory['junk_events']:,}  (junk lands on the closed 'other' labels)")
    bad = [s for s in servers if ingest[s]["non_2xx"]] + (["phase3"] if phase3 and phase3["non_2xx"] else [])
    if bad:
        print(f"\n  WARNING: non-2xx responses from {', '.join(bad)}: requests were rejected (signature? see {a.rundir})")
    print(f"\n  load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; JSON: {os.path.relpath(a.out)}")


if __name__ == "__main__":
    main()
