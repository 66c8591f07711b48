"""Independent reference of `duban monitor check` (issue 13, section "The command").

Written from the issue text only, Python 3 standard library only. Input: the series CSV's
header and rows (strings), the parsed `duban.monitor/1` TOML and the as-of date. Output:
the `duban.alerts/1` document as a dict.

Decisions where the text leaves room (also in docs/monitor-method.md):
- thresholds are strict: `below = x` alerts when the measure < x, `above = x` when > x;
  a rule with both alerts when both hold (the text shows one: "below = 5.0  # or: above");
- `bottom = K` with K or fewer computed regions at that period alerts all of them;
- rows of one (region, indicator, period) with the same known-from date: the later line
  of the file wins ("the latest published row ... is its value");
- "the previous period" in a chain of declines is the calendar's previous period of the
  indicator's frequency (2020-Q1 follows 2019-Q4); a missing one breaks the chain.
"""

import datetime
import re


class RefError(Exception):
    pass


LEVELS = ("提示", "预警", "严重")
FREQ = {"monthly": "M", "quarterly": "Q", "yearly": "Y"}


def parse_period(text):
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return ("M", int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{4})-Q([1-4])", text)
    if m:
        return ("Q", int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        return ("Y", int(m.group(1)), 1)
    raise RefError("bad period " + text)


def period_text(p):
    f, y, i = p
    if f == "M":
        return "%04d-%02d" % (y, i)
    if f == "Q":
        return "%04d-Q%d" % (y, i)
    return "%04d" % y


def period_end(p):
    f, y, i = p
    if f == "M":
        last_month = i
    elif f == "Q":
        last_month = 3 * i
    else:
        last_month = 12
    if last_month == 12:
        return datetime.date(y, 12, 31)
    return datetime.date(y, last_month + 1, 1) - datetime.timedelta(days=1)


def per_year(f):
    return {"M": 12, "Q": 4, "Y": 1}[f]


def prev_period(p):
    f, y, i = p
    if i > 1:
        return (f, y, i - 1)
    return (f, y - 1, per_year(f))


def year_earlier(p):
    f, y, i = p
    return (f, y - 1, i)


def parse_date(text):
    try:
        return datetime.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def check(header, rows, rules, as_of_text):
    as_of = parse_date(as_of_text)
    if as_of is None:
        raise RefError("bad as-of " + as_of_text)
    has_pub = "published" in header
    ix = {h: k for k, h in enumerate(header)}
    indicators = {i["name"]: i for i in rules.get("indicator", [])}

    # (region, indicator, period) -> (published, order, value) of the latest known row
    known = {}
    for order, row in enumerate(rows):
        region = row[ix["region"]]
        ind = row[ix["indicator"]]
        p = parse_period(row[ix["period"]])
        value = float(row[ix["value"]])
        if has_pub and row[ix["published"]] != "":
            pub = parse_date(row[ix["published"]])
            if pub is None:
                raise RefError("bad published date")
        else:  # an empty cell: as without the column (docs/monitor-method.md)
            pub = period_end(p) + datetime.timedelta(days=1)
        if pub > as_of:
            continue
        key = (region, ind, p)
        cur = known.get(key)
        if cur is None or (pub, order) >= (cur[0], cur[1]):
            known[key] = (pub, order, value)

    def value(region, ind, p):
        v = known.get((region, ind, p))
        return None if v is None else v[2]

    def period_value(region, ind, p):
        if indicators[ind].get("kind", "period") == "cumulative":
            if p[2] == 1:
                return value(region, ind, p)
            a = value(region, ind, p)
            b = value(region, ind, prev_period(p))
            if a is None or b is None:
                return None
            return a - b
        return value(region, ind, p)

    def growth(fn, region, ind, p):
        a = fn(region, ind, p)
        b = fn(region, ind, year_earlier(p))
        if a is None or b is None or b == 0:
            return None
        return (a / b - 1) * 100

    def measure(name, region, ind, p):
        if name == "value":
            return value(region, ind, p)
        if name == "period_value":
            return period_value(region, ind, p)
        if name == "yoy":
            return growth(value, region, ind, p)
        if name == "period_yoy":
            return growth(period_value, region, ind, p)
        raise RefError("measure " + name)

    latest = {}
    for region, ind, p in known:
        k = (region, ind)
        if k not in latest or p > latest[k]:
            latest[k] = p

    alerts = []
    for rule in rules.get("rule", []):
        ind = rule["indicator"]
        if ind not in indicators:
            raise RefError("rule on an undeclared indicator")
        level = rule.get("level", "预警")
        mname = rule["measure"]
        regions = sorted(r for (r, i) in latest if i == ind)
        hits = []
        if "bottom" in rule:
            k = int(rule["bottom"])
            groups = {}
            for r in regions:
                p = latest[(r, ind)]
                m = measure(mname, r, ind, p)
                if m is not None:
                    groups.setdefault(p, []).append((m, r))
            for p, members in groups.items():
                ms = sorted(m for m, _ in members)
                cut = ms[min(k, len(ms)) - 1] if k > 0 else None
                for m, r in members:
                    if cut is not None and m <= cut:
                        hits.append((r, p, m))
        elif "consecutive_declines" in rule:
            n = int(rule["consecutive_declines"])
            for r in regions:
                p = latest[(r, ind)]
                chain = [p]
                for _ in range(n):
                    chain.append(prev_period(chain[-1]))
                ms = [measure(mname, r, ind, q) for q in chain]
                if any(m is None for m in ms):
                    continue
                if all(ms[j] < ms[j + 1] for j in range(n)):
                    hits.append((r, p, ms[0]))
        else:
            for r in regions:
                p = latest[(r, ind)]
                m = measure(mname, r, ind, p)
                if m is None:
                    continue
                # both bounds: both must hold (docs/monitor-method.md; the text has one)
                fire = True
                if "below" in rule and not m < float(rule["below"]):
                    fire = False
                if "above" in rule and not m > float(rule["above"]):
                    fire = False
                if fire:
                    hits.append((r, p, m))
        for r, p, m in hits:
            alerts.append(
                {
                    "rule": rule["id"],
                    "region": r,
                    "indicator": ind,
                    "period": period_text(p),
                    "level": level,
                    "value": m,
                }
            )
    alerts.sort(key=lambda a: (a["rule"], a["region"]))
    return {"schema": "duban.alerts/1", "as_of": as_of_text, "alerts": alerts}
