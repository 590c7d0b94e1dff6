#!/usr/bin/env python3
"""Lints the Grafana dashboards for .ci/check-config.

Usage: check_dashboards.py OUT.yml DASHBOARD.json...

Checks every panel's datasource and variables, that panels neither overlap
nor leave the 24-column grid, that every recording rule a query names is
defined in prometheus/rules/*.yml, and writes every target
expression, with Grafana's variables substituted, as a recording rule in
OUT.yml so that `promtool check rules` can parse it:
  $project, $status, $direction, $country   -> .*   (the variables' allValue)
  $job                            -> .+   (Grafana sends the jobs it found)
  $__rate_interval, $__interval,
  $__range                        -> 1m
  ${datasource}                   -> untouched (only used as datasource uid)
Exits 1 and prints each problem when one is found.
"""
import json
import re
import sys
from pathlib import Path

out, files = sys.argv[1], sys.argv[2:]
errors = []
rules = []

# Recording rules the dashboard may use: those of the shipped rules files. A
# misspelt rule name would otherwise be a panel that silently shows nothing.
RULES_DIR = Path(__file__).resolve().parent.parent / "prometheus" / "rules"
RECORDED = {m.group(1) for f in RULES_DIR.glob("*.yml")
            for m in re.finditer(r"^\s*- record: *(\S+)", f.read_text(), re.M)}
RULE_NAME = re.compile(r"(?<![\w:])[a-z_]+:[\w:]+")

# Selectors that carry the call labels and must be filtered by the variables:
# (pattern, variables required in the selector's braces).
LABELLED = [
    (re.compile(r"(?<![\w:])signalwire_(call_events_total|audio_\w+|sip_responses_total|"
                r"call_duration_seconds\w*|recording_duration_seconds\w*)"), ("$status", "$direction")),
    # The per-call series (issue 10): direction, no status.
    (re.compile(r"(?<![\w:])signalwire_(calls_active|call_post_dial_delay_seconds\w*|"
                r"call_answer_delay_seconds\w*|calls_unfinished_total|call_quality_issues_total|"
                r"calls_with_media_total)"), ("$direction",)),
    # The country families (--labels.country): direction and country.
    (re.compile(r"(?<![\w:])signalwire_country_\w+"), ("$direction", "$country")),
    # Recording rules name the labels they keep in their level
    # (level:metric:operations, labels joined by `_`): `status_direction:`,
    # `direction:`, `direction_issue:`, `direction_reason:` ... must be
    # filtered by each of $status and $direction that the level names.
    (re.compile(r"(?<![\w:])(?=(?:[a-z]+_)*status[_:])[a-z_]+:signalwire[\w:]*"), ("$status",)),
    (re.compile(r"(?<![\w:])(?=(?:[a-z]+_)*direction[_:])[a-z_]+:signalwire[\w:]*"), ("$direction",)),
    # Every series the exporter or Prometheus' scrape of it makes, and every
    # recording rule over them (the rules keep `job`), is filtered by $job,
    # so the dashboard works whatever the scrape job is named.
    (re.compile(r"(?<![\w:])((?:[a-z_]+:)?signalwire[\w:]*|up|process_\w+)(?![\w:(])"), ("$job",)),
]
JOB_QUERY = "label_values(signalwire_exporter_build_info, job)"
SUBST = [
    (re.compile(r"\$\{?job\}?"), ".+"),
    (re.compile(r"\$\{?project\}?"), ".*"),
    (re.compile(r"\$\{?status\}?"), ".*"),
    (re.compile(r"\$\{?direction\}?"), ".*"),
    (re.compile(r"\$\{?country\}?"), ".*"),
    (re.compile(r"\$\{?__rate_interval\}?"), "1m"),
    (re.compile(r"\$\{?__interval\}?"), "1m"),
    (re.compile(r"\$\{?__range\}?"), "1m"),
]


def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))


for path in files:
    d = json.load(open(path))
    if d.get("uid") != "signalwire-exporter" and path.endswith("signalwire-exporter.json"):
        errors.append(f"{path}: uid must be signalwire-exporter")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        errors.append(f"{path}: missing datasource variable of type datasource/prometheus")
    job = variables.get("job")
    # No allValue: "All" must mean the jobs found, not `.*`, which would take
    # in every other job's `up` and `process_*` series.
    if (not job or job.get("type") != "query" or job.get("definition") != JOB_QUERY
            or not job.get("multi") or not job.get("includeAll") or job.get("allValue")):
        errors.append(f"{path}: variable job must query {JOB_QUERY}, multi-value, "
                      "includeAll, without allValue")
    for name in ("project", "status", "direction", "country"):
        v = variables.get(name)
        if not v or not v.get("multi") or not v.get("includeAll") or v.get("allValue") != ".*":
            errors.append(f"{path}: variable {name} must be multi-value, includeAll, allValue .*")
    # Top-level panels (rows included) must fit the 24-column grid and not
    # overlap: Grafana would silently push one of them elsewhere.
    boxes = []
    for p in d.get("panels", []):
        g = p.get("gridPos") or {}
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if None in (x, y, w, h) or x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > 24:
            errors.append(f"{path}: panel {p.get('title')!r} gridPos {g} is off the 24-column grid")
            continue
        for title, (x2, y2, w2, h2) in boxes:
            if x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h:
                errors.append(f"{path}: panel {p.get('title')!r} overlaps {title!r}")
        boxes.append((p.get("title"), (x, y, w, h)))
    ids = [p.get("id") for p in walk(d.get("panels", []))]
    if len(ids) != len(set(ids)):
        errors.append(f"{path}: panel ids are not unique")
    for p in walk(d.get("panels", [])):
        if p.get("type") == "row":
            continue
        title = p.get("title")
        if (p.get("datasource") or {}).get("uid") != "${datasource}":
            errors.append(f"{path}: panel {title!r} datasource uid is not ${{datasource}}")
        targets = p.get("targets") or []
        if not targets:
            errors.append(f"{path}: panel {title!r} has no targets")
        for t in targets:
            if (t.get("datasource") or {}).get("uid") != "${datasource}":
                errors.append(f"{path}: panel {title!r} target {t.get('refId')} datasource uid is not ${{datasource}}")
            expr = t.get("expr", "")
            if not expr:
                errors.append(f"{path}: panel {title!r} target {t.get('refId')} has no expr")
                continue
            if "rate(" in expr and "[$__rate_interval]" not in expr and "increase(" not in expr:
                errors.append(f"{path}: panel {title!r}: rate() without $__rate_interval: {expr}")
            for rx, required in LABELLED:
                for m in rx.finditer(expr):
                    # every selector of a metric with status/direction labels is filtered
                    rest = expr[m.end():]
                    braces = rest.split("}")[0] if rest.startswith("{") else ""
                    for var in required:
                        if f'=~"{var}"' not in braces:
                            errors.append(f"{path}: panel {title!r}: {m.group(0)} not filtered by {var}: {expr}")
            for name in RULE_NAME.findall(re.sub(r'"[^"]*"', '""', expr)):
                if name not in RECORDED:
                    errors.append(f"{path}: panel {title!r}: {name} is not a recording rule of "
                                  f"prometheus/rules/*.yml: {expr}")
            e = expr
            for rx, rep in SUBST:
                e = rx.sub(rep, e)
            if "$" in e.replace("${datasource}", ""):
                errors.append(f"{path}: panel {title!r}: unsubstituted variable left in {e}")
            rules.append((f"{title} {t.get('refId')}", e))

with open(out, "w") as f:
    f.write("groups:\n  - name: dashboard-expressions\n    rules:\n")
    for i, (where, e) in enumerate(rules):
        f.write(f"      # {where}\n      - record: dashboard_expr_{i}\n        expr: {json.dumps(e)}\n")
print(f"{len(rules)} dashboard expressions extracted")
for e in errors:
    print("ERROR:", e)
sys.exit(1 if errors else 0)
