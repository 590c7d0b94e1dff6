#!/usr/bin/env python3
"""Writes the grafana.com-style importable copy of the provisioned dashboard.

    python3 .ci/importable_dashboard.py            # writes grafana/import/signalwire-exporter.json
    python3 .ci/importable_dashboard.py --check    # fails if the committed copy differs

dashboards/signalwire-exporter.json is the source: Grafana provisioning loads
it as is (datasource uid `prometheus`). The copy adds what Grafana's
Dashboards > Import reads: `__inputs` declares one Prometheus datasource,
DS_PROMETHEUS, that the importer asks for, and the `datasource` variable
defaults to it (Grafana replaces `${DS_PROMETHEUS}` with the chosen
datasource's uid). `__requires` names the Grafana version and plugins used.
Panels keep using the `${datasource}` variable, so nothing else changes.
.ci/check-config runs --check, so the two cannot drift apart.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "dashboards" / "signalwire-exporter.json"
TARGET = ROOT / "grafana" / "import" / "signalwire-exporter.json"
GRAFANA_VERSION = "11.3.0"  # the image docker-compose.yml runs
PANEL_NAMES = {"heatmap": "Heatmap", "stat": "Stat", "table": "Table", "timeseries": "Time series"}


def panels(items):
    for p in items:
        yield p
        yield from panels(p.get("panels", []))


def importable(d):
    used = sorted({p["type"] for p in panels(d["panels"]) if p.get("type") != "row"})
    unknown = [t for t in used if t not in PANEL_NAMES]
    if unknown:
        sys.exit(f"importable_dashboard: add a name for panel type(s) {unknown} to PANEL_NAMES")
    templating = json.loads(json.dumps(d["templating"]))
    for v in templating["list"]:
        if v["name"] == "datasource":
            v["current"] = {"selected": False, "text": "${DS_PROMETHEUS}", "value": "${DS_PROMETHEUS}"}
    head = {
        "__inputs": [{
            "name": "DS_PROMETHEUS",
            "label": "Prometheus",
            "description": "The Prometheus that scrapes signalwire-exporter and loads its rules",
            "type": "datasource",
            "pluginId": "prometheus",
            "pluginName": "Prometheus",
        }],
        "__elements": {},
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": GRAFANA_VERSION},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        ] + [{"type": "panel", "id": t, "name": PANEL_NAMES[t], "version": ""} for t in used],
    }
    return {**head, **d, "id": None, "templating": templating}


def render(d):
    return json.dumps(d, indent=2, ensure_ascii=False) + "\n"


def main():
    text = render(importable(json.loads(SOURCE.read_text())))
    if sys.argv[1:] == ["--check"]:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is not generated from {SOURCE.relative_to(ROOT)}: "
                  "run python3 .ci/importable_dashboard.py")
            return 1
        print(f"{TARGET.relative_to(ROOT)} matches {SOURCE.relative_to(ROOT)}")
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
