#!/usr/bin/env python3
"""Every alert links its runbook, and the link's anchor is a heading of RUNBOOKS.md.

Usage: check_runbooks.py RUNBOOKS.md RULES.yml...   (docs/runbooks.md)

Each `- alert: NAME` must carry `runbook_url: BASE#anchor` where the anchor is
the GitHub anchor of a heading of RUNBOOKS.md (lower case, punctuation dropped,
spaces to dashes). Run by .ci/check-config.
"""
import re
import sys

readme, rule_files = sys.argv[1], sys.argv[2:]


def slug(heading):
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


anchors = {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", open(readme).read(), re.M)}
errors = []
alerts = 0
for path in rule_files:
    # Split the file at each alert; an alert's annotations come before the next one.
    chunks = re.split(r"^\s*- alert: ", open(path).read(), flags=re.M)[1:]
    for chunk in chunks:
        alerts += 1
        name = chunk.split()[0]
        body = re.split(r"^\s*- (?:record|alert):", chunk, flags=re.M)[0]
        urls = re.findall(r"^\s*runbook_url: *\"?([^\"\s]+)", body, re.M)
        if len(urls) != 1:
            errors.append(f"{path}: alert {name} has {len(urls)} runbook_url annotations, not 1")
            continue
        anchor = urls[0].partition("#")[2]
        if anchor not in anchors:
            errors.append(f"{path}: alert {name}: runbook_url anchor #{anchor} is not a heading of {readme}")
print(f"{alerts} alerts, each with a runbook in {readme}" if not errors else "")
for e in errors:
    print("ERROR:", e)
sys.exit(1 if errors or not alerts else 0)
