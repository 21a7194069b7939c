#!/usr/bin/env python3
"""import_compare.py: compares the job definitions `batchctl import -d DIR` wrote with the
ones a test expects, written by hand (tests/data/import/*.expected.yaml).

Usage: import_compare.py DIR EXPECTED.yaml

EXPECTED holds `defaults` (keys every job has; "{line}" in a string is replaced by the
job's `line`) and `jobs`, a list of flat job descriptions: name, line, and any of the
keys of flatten() below. A key left out must be absent from the definition (batchd's
default). Prints one line per difference; exit status 0 when there is none, 1 otherwise.
"""
import glob
import os
import sys

import yaml


def flatten(doc):
    """The flat description of a definition document, with the keys it sets."""
    out = {}
    for key in ("name", "type", "catchup", "allow_multiple_instances", "enabled", "description",
                "display_name", "group", "max_minutes", "parameters", "alerts", "retry"):
        if key in doc:
            out[key] = doc[key]
    trig = doc.get("trigger") or {}
    for key in ("cron", "timezone"):
        if key in trig:
            out[key] = trig[key]
    ex = doc.get("executor") or {}
    for key, val in (ex.get("exec") or {}).items():
        out[key] = val
    for key, val in (ex.get("http") or {}).items():
        out["http_" + key] = val
    return out


def main():
    outdir, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    got = {}
    for path in sorted(glob.glob(os.path.join(outdir, "*", "jobs", "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        if os.path.basename(path) != doc["name"] + ".yaml":
            print(f"{path}: file name does not match the job name {doc['name']}")
        got[doc["name"]] = flatten(doc)
    problems = 0
    seen = set()
    for job in spec["jobs"]:
        want = {}
        for key, val in (spec.get("defaults") or {}).items():
            want[key] = val.format(line=job.get("line")) if isinstance(val, str) else val
        want.update({k: v for k, v in job.items() if k != "line"})
        name = want["name"]
        seen.add(name)
        if name not in got:
            print(f"missing job {name}")
            problems += 1
            continue
        have = got[name]
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                print(f"{name}: {key}: expected {want.get(key)!r}, got {have.get(key)!r}")
                problems += 1
    for name in sorted(set(got) - seen):
        print(f"unexpected job {name}")
        problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
