#!/usr/bin/env python3
"""Checks the rendered Kubernetes manifests for .ci/check-config.

Usage: check_kubernetes.py OUTDIR BASE.yaml FLEET.yaml

BASE.yaml and FLEET.yaml are `kubectl kustomize` of deploy/kubernetes/base and
deploy/kubernetes/fleet. Writes into OUTDIR:
  core.yaml        the core kinds of both (for kubernetes-validate; the
                   ServiceMonitor and PrometheusRule CRDs are left out)
  rules.yml        the PrometheusRule's spec (for promtool check rules)
  haproxy.cfg      the fleet's HAProxy configuration as rendered (for haproxy -c)
and checks that:
  - the fleet's HAProxy configuration is haproxy/haproxy.cfg's, line for line,
    except comments, `presetenv` lines and the `server` / `server-template`
    lines (the replicas' addresses);
  - its server-template has at least as many slots as the fleet has replicas;
  - the PrometheusRule's spec is prometheus/rules/signalwire.rules.yml's.
Exits 1 and prints each problem when one is found.
"""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CRDS = {"ServiceMonitor", "PrometheusRule"}
out, base_path, fleet_path = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
errors = []


def load(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]


def logic(cfg):
    """The configuration without comments, environment defaults and servers."""
    kept = []
    for line in cfg.splitlines():
        s = line.strip()
        if not s or s.startswith("#") or s.startswith(("presetenv ", "server ", "server-template ")):
            continue
        kept.append(s)
    return kept


base, fleet = load(base_path), load(fleet_path)
core = [d for d in base + fleet if d["kind"] not in CRDS]
(out / "core.yaml").write_text(yaml.safe_dump_all(core))

rules = [d for d in base if d["kind"] == "PrometheusRule"]
if len(rules) != 1:
    errors.append(f"base: {len(rules)} PrometheusRule objects, not 1")
else:
    (out / "rules.yml").write_text(yaml.safe_dump(rules[0]["spec"]))
    shipped = yaml.safe_load(open(ROOT / "prometheus" / "rules" / "signalwire.rules.yml"))
    if rules[0]["spec"] != shipped:
        errors.append("PrometheusRule spec differs from prometheus/rules/signalwire.rules.yml: run mixin/generate")

maps = [d for d in fleet if d["kind"] == "ConfigMap" and "haproxy.cfg" in d.get("data", {})]
if len(maps) != 1:
    errors.append(f"fleet: {len(maps)} ConfigMaps with haproxy.cfg, not 1")
else:
    cfg = maps[0]["data"]["haproxy.cfg"]
    (out / "haproxy.cfg").write_text(cfg)
    shipped = logic((ROOT / "haproxy" / "haproxy.cfg").read_text())
    copy = logic(cfg)
    if copy != shipped:
        import difflib
        diff = "\n".join(difflib.unified_diff(shipped, copy, "haproxy/haproxy.cfg", "fleet", lineterm=""))
        errors.append("fleet haproxy.cfg differs from haproxy/haproxy.cfg beyond its servers:\n" + diff)
    slots = [int(m.group(1)) for m in re.finditer(r"^\s*server-template\s+\S+\s+(\d+)", cfg, re.M)]
    replicas = [d["spec"].get("replicas", 1) for d in fleet
                if d["kind"] == "Deployment" and d["metadata"]["name"] == "signalwire-exporter"]
    if len(slots) != 1 or len(replicas) != 1:
        errors.append(f"fleet: {len(slots)} server-template lines, {len(replicas)} exporter Deployments")
    elif slots[0] < replicas[0]:
        errors.append(f"fleet: {replicas[0]} replicas but only {slots[0]} server-template slots")
    else:
        print(f"fleet: {replicas[0]} replicas, {slots[0]} HAProxy slots, haproxy.cfg logic as shipped")

for e in errors:
    print("ERROR:", e)
sys.exit(1 if errors else 0)
