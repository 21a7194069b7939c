# Brute-force oracle for DESIGN.md §2.1, written independently of src/core/cron.c:
# walks real instants minute by minute (and the expression's seconds), and decides
# from the rules whether each instant is a fire time. Used only to derive the
# expected values committed in tests/data/cron_next.tsv.
import calendar, datetime as dt, sys
from zoneinfo import ZoneInfo

MON = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DOW = "SUN MON TUE WED THU FRI SAT".split()
MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
          "@hourly": "0 * * * *"}

def val(tok, names, base):
    if names and tok[:3].upper() in names and len(tok) == 3:
        return names.index(tok.upper()) + base
    return int(tok)

def plain(field, lo, hi, names=None, base=0, dow=False):
    out = set()
    for el in field.split(","):
        step, stepped = 1, "/" in el
        if stepped:
            el, s = el.split("/"); step = int(s)
        if el in ("*", "?"):
            a, b = lo, (6 if dow else hi)
        elif "-" in el:  # a-b/n: a, a+n, ... up to b inclusive, even when a == b
            x, y = el.split("-"); a, b = val(x, names, base), val(y, names, base)
        else:  # a alone, or a/n: from a to the field's maximum (7 for day-of-week)
            a = val(el, names, base); b = hi if stepped else a
        out |= set(range(a, b + 1, step))
    return {v % 7 for v in out} if dow else out

class Cron:
    def __init__(self, text):
        text = MACROS.get(text.strip().lower(), text)
        f = text.split()
        self.n = len(f)
        if self.n == 5: f = ["0"] + f
        self.sec = plain(f[0], 0, 59); self.min = plain(f[1], 0, 59)
        self.hour = plain(f[2], 0, 23); self.mon = plain(f[4], 1, 12, MON, 1)
        self.years = plain(f[6], 1970, 2199) if self.n == 7 else None
        self.interval = f[2].startswith("*")
        self.dom_f, self.dow_f = f[3], f[5]
        dom_star = f[3][0] in "*?"; dow_star = f[5][0] in "*?"
        self.or_days = self.n == 5 and not dom_star and not dow_star

    def dom_ok(self, d):
        dim = calendar.monthrange(d.year, d.month)[1]
        for el in self.dom_f.split(","):
            if el in ("*", "?"): return True
            if el == "L":
                if d.day == dim: return True
            elif el.startswith("L-"):
                if d.day == dim - int(el[2:]): return True
            elif el == "LW":
                x = dt.date(d.year, d.month, dim)
                while x.weekday() >= 5: x -= dt.timedelta(days=1)
                if d == x: return True
            elif el.endswith("W"):
                n = int(el[:-1])
                if n > dim: continue
                x = dt.date(d.year, d.month, n)
                if x.weekday() == 5: x = x + dt.timedelta(days=2) if n == 1 else x - dt.timedelta(days=1)
                elif x.weekday() == 6: x = x - dt.timedelta(days=2) if n == dim else x + dt.timedelta(days=1)
                if d == x: return True
            elif d.day in plain(el, 1, 31): return True
        return False

    def dow_ok(self, d):
        wd = (d.weekday() + 1) % 7  # 0 = Sunday
        dim = calendar.monthrange(d.year, d.month)[1]
        for el in self.dow_f.split(","):
            if el in ("*", "?"): return True
            if "#" in el:
                x, k = el.split("#")
                if val(x, DOW, 0) % 7 == wd and (d.day - 1) // 7 + 1 == int(k): return True
            elif len(el) > 1 and el.endswith("L"):
                if val(el[:-1], DOW, 0) % 7 == wd and d.day + 7 > dim: return True
            elif wd in plain(el, 0, 7, DOW, 0, dow=True): return True
        return False

    def day_ok(self, d):
        if d.month not in self.mon: return False
        if self.years is not None and d.year not in self.years: return False
        a, b = self.dom_ok(d), self.dow_ok(d)
        return (a or b) if self.or_days else (a and b)

    def wall_ok(self, w):
        return self.day_ok(w.date()) and w.hour in self.hour and w.minute in self.min and w.second in self.sec

UTC = dt.timezone.utc

def local(t, z):  # naive wall time of instant t
    return t.astimezone(z).replace(tzinfo=None)

def first_pass(t, z):  # is t the first occurrence of its wall time?
    w = local(t, z)
    return w.replace(tzinfo=z, fold=0).astimezone(UTC) == t

def fires(c, t, z):
    w = local(t, z)
    if c.wall_ok(w) and (c.interval or first_pass(t, z)):
        return True
    # Gap: the wall clock jumped over [before, w); if a wall time in it matches, fire at t.
    before = local(t - dt.timedelta(seconds=1), z) + dt.timedelta(seconds=1)
    if w > before:
        x = before
        while x < w:
            if c.wall_ok(x): return True
            x += dt.timedelta(seconds=1) if len(c.sec) > 1 else dt.timedelta(minutes=1)
            if len(c.sec) == 1: x = x.replace(second=min(c.sec))
    return False

def next_fires(expr, zone, start, count, limit_years=40):
    c = Cron(expr); z = ZoneInfo(zone)
    t = start.replace(second=0) + dt.timedelta(minutes=0)
    end = start + dt.timedelta(days=366 * limit_years)
    out = []
    secs = sorted(c.sec)
    while t < end and len(out) < count:
        w = local(t, z)
        # Skip whole days whose date cannot match, stopping 3 h before midnight.
        if not c.day_ok(w.date()):
            nxt = dt.datetime.combine(w.date() + dt.timedelta(days=1), dt.time())
            skip = (nxt - w).total_seconds() // 60 - 180
            if skip > 0:
                t += dt.timedelta(minutes=skip); continue
        for s in secs:
            u = t.replace(second=s)
            if u > start and fires(c, u, z):
                out.append(u)
                if len(out) == count: break
        # a gap transition at a whole minute is caught above with second 0 only when 0 is
        # in the set; check the minute boundary itself for other second sets
        if 0 not in c.sec and len(out) < count and t > start and fires(c, t, z) and t not in out:
            out.append(t)
        t += dt.timedelta(minutes=1)
    return sorted(set(out))[:count], c

def iso(t, zone):
    return t.astimezone(ZoneInfo(zone)).isoformat()

if __name__ == "__main__":
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line or line.startswith("#"): continue
        parts = line.split("\t")
        expr, zone, frm, n = parts[:4]
        years = int(parts[4]) if len(parts) > 4 else 40
        start = dt.datetime.fromisoformat(frm.replace("Z", "+00:00")).astimezone(UTC)
        fires_, c = next_fires(expr, zone, start, int(n), years)
        cols = [expr, zone, frm] + [iso(f, zone) for f in fires_]
        if len(fires_) < int(n): cols.append("never")
        print("\t".join(cols))
