#!/usr/bin/env python3
"""tests/cluster/check.py: the checker of tests/cluster/chaos.sh. Reads the scratch
directory (the jobs' lines in out, the repository's rows in instances.csv and
executions.csv, the faults, the nodes' logs n1.log..n3.log) and prints one "ok - ..." or
"not ok - ..." line per property, with figures on other lines."""
import argparse
import csv
import datetime
import glob
import json
import os

FINAL = {3, 5, 6, 7, 8, 9, 12}
ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--start", type=int, required=True)  # the first due time (Unix s)
ap.add_argument("--end", type=int, required=True)  # the clock when the faults ended
ap.add_argument("--jobs", type=int, required=True)
ap.add_argument("--ttl", type=int, required=True)
ap.add_argument("--slack", type=float, required=True)
a = ap.parse_args()
d = a.dir


def report(ok, what, detail=None):
    print(("ok - " if ok else "not ok - ") + what)
    if not ok and detail:
        for line in detail[:10]:
            print("    " + str(line))


instances = [(int(r[0]), r[1], int(r[2]), int(r[3]), r[4] in ("t", "true", "1"))
             for r in csv.reader(open(os.path.join(d, "instances.csv")))]
executions = [(int(r[0]), int(r[1]), int(r[2]), r[3], r[4] in ("t", "true"), int(r[5]), r[6])
              for r in csv.reader(open(os.path.join(d, "executions.csv")))]

# 1. No due slot has two instances.
slots = {}
for iid, job, due, state, sched in instances:
    if sched:
        slots.setdefault((job, due), []).append(iid)
twice = [(k, v) for k, v in slots.items() if len(v) > 1]
report(not twice, "no due slot has two instances (%d slots)" % len(slots), twice)

# 2. None missed: every job's every due time from the start to the end of the faults.
missing = []
for i in range(a.jobs):
    period = 600 if i % 3 == 2 else 300
    for due in range(a.start, a.end + 1, period):
        if ("j%02d" % i, due) not in slots:
            missing.append(("j%02d" % i, due))
report(not missing, "no due slot missed up to the end of the faults", missing)

# 3. Every run accounted for.
notfinal = [(i, j, s) for i, j, due, s, _ in instances if s not in FINAL]
report(not notfinal, "every instance ended (final state)", notfinal)
unfinished = [e for e in executions if not e[4]]
report(not unfinished, "every execution's end is recorded (%d executions, %d node lost)" %
       (len(executions), sum(1 for e in executions if e[6] == "node lost")), unfinished)
# Claims: every node claims offered runs, so the runs are spread over the nodes.
per_node = {}
for e in executions:
    if e[3]:
        per_node[e[3]] = per_node.get(e[3], 0) + 1
print("executions per node: %s" % ", ".join("%s %d" % kv for kv in sorted(per_node.items())))
report(len(per_node) >= 2, "the runs were claimed by more than one node", [per_node])
jobs = {}  # execution id -> {"B": ms, "last": ms, "E": ms}
for line in open(os.path.join(d, "out")):
    f = line.split()
    if len(f) != 4:
        continue
    kind, ex, ms = f[0], int(f[1]), int(f[3])
    j = jobs.setdefault(ex, {"inst": int(f[2])})
    j[kind] = min(j.get(kind, ms), ms) if kind == "B" else max(j.get(kind, ms), ms)
    j["last"] = max(j.get("last", ms), ms)
by_id = {e[0]: e for e in executions}
stray = [ex for ex, j in jobs.items() if ex not in by_id or by_id[ex][1] != j["inst"]]
report(not stray, "every job process that began has its execution (%d began)" % len(jobs), stray)
no_end = [e[0] for e in executions if e[5] == 0 and "E" not in jobs.get(e[0], {})]
report(not no_end, "every execution recorded as exit 0 ran to its end", no_end)

# 4. No instance executed on two nodes at once beyond the lease bound.
per_inst = {}
for e in executions:
    per_inst.setdefault(e[1], []).append(e)
worst, bad = 0, []
for iid, ex in per_inst.items():
    ex.sort(key=lambda e: e[2])
    for x in range(len(ex)):
        for y in range(x + 1, len(ex)):
            jx, jy = jobs.get(ex[x][0]), jobs.get(ex[y][0])
            if not jx or not jy or "B" not in jy:
                continue
            over = jx["last"] - jy["B"]
            worst = max(worst, over)
            if over > a.ttl * 1000:
                bad.append((iid, ex[x][0], ex[x][3], ex[y][0], ex[y][3], over))
print("longest overlap of two executions of one instance: %d ms (bound %d ms)" %
      (max(worst, 0), a.ttl * 1000))
report(not bad, "no instance executed twice at once for longer than the lease ttl", bad)

# 5. Takeover within ttl + one check interval after each loss of the planner.
holds = []
for path in glob.glob(os.path.join(d, "n[0-9].log")):
    for line in open(path, errors="replace"):
        if "holds the planner lease" not in line:
            continue
        try:
            t = json.loads(line)["time"]
        except (ValueError, KeyError):
            continue
        dt = datetime.datetime.strptime(t.rstrip("Z")[:23], "%Y-%m-%dT%H:%M:%S.%f")
        holds.append(int(dt.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000))
holds.sort()
bound = a.ttl * 1000 + a.ttl * 1000 // 3 + int(a.slack * 1000)
lags, late = [], []
for line in open(os.path.join(d, "faults")):
    ms, kind, node, lost = line.split()
    if lost != "1":
        continue
    after = [h for h in holds if h > int(ms)]
    lag = after[0] - int(ms) if after else None
    lags.append(lag)
    if lag is None or lag > bound:
        late.append((kind, node, lag))
known = [x for x in lags if x is not None]
print("takeovers after %d losses of the planner: max %s ms, mean %s ms (bound %d ms = ttl + "
      "ttl/3 + slack)" % (len(lags), max(known) if known else "-",
                          sum(known) // len(known) if known else "-", bound))
report(not late, "each loss of the planner is followed by a takeover within the bound", late)
