#!/usr/bin/env python3
"""Differential check of two CLI contracts against independent references.

    python3 run.py --cases 300 --bin target/debug/duban [--seed 1] [--only muni|monitor] [--keep DIR]

Generates small random cases aimed at the edges of the texts of issue 12 (亩均效益,
`duban eval run --format csv`) and issue 13 (`duban monitor check --format json`), runs the
binary and the reference (muni_ref.py, monitor_ref.py) on each, and diffs: scores and alert
values to 1e-9 relative, everything else exactly. Then checks that bad inputs fail with a
message naming the place and no output. Exit status 1 on any disagreement; the failing
cases are written under --keep (default: a temporary directory, printed).
"""

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import monitor_ref  # noqa: E402
import muni_ref  # noqa: E402


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def toml_val(v):
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(toml_val(x) for x in v) + "]"
    return repr(v)


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# ================================================================ 亩均效益

NUM_COLS = ["tax", "land_mu", "税收", "用地面积", "revenue", "电耗", "emission", "研发费用", "员工数", "产值"]


def gen_number(rng):
    k = rng.random()
    if k < 0.12:
        return ""
    if k < 0.22:
        return "0"
    if k < 0.30:
        return str(-rng.randint(1, 50))
    if k < 0.55:
        return str(rng.randint(1, 20))
    return "%.2f" % rng.uniform(0.1, 200)


def gen_formula(rng, cols):
    a, b, c = (rng.choice(cols) for _ in range(3))
    return rng.choice(
        [
            "{a} / {b}",
            "{a}",
            "({a} + {b}) / {c}",
            "{a} * {b} / {c}",
            "{a} - {b}",
            "{a}/({b}-{c})",
            "({a})",
            "{a} / {b} * 10000",
            "{a}/2.5",
            "-{a} / ({b} - {c})",
            "{a} * ({b} + {c}) - {a} / {c}",
        ]
    ).format(a=a, b=b, c=c)


def gen_muni(rng):
    id_col = rng.choice(["firm_id", "企业编号"])
    class_col = rng.choice(["county", "区县"])
    ind_col = rng.choice(["industry", "行业"])
    ncols = rng.randint(2, 5)
    cols = rng.sample(NUM_COLS, ncols)
    header = [id_col, class_col, ind_col] + cols
    rng.shuffle(header)
    nclass = rng.randint(1, 4)
    classes = rng.sample(["西湖区", "上城区", "C3", "余杭区", "淳安县", "K"], nclass)
    industries = ["制造业", "批发零售业", "金融业", "住宿餐饮业", "信息服务业"]
    n = rng.randint(1, 14)
    big = rng.random() < 0.2
    if big:  # one or two large classes with many ties
        classes = classes[: rng.randint(1, 2)]
        n = rng.randint(15, 40)
    rows = []
    for k in range(n):
        if rows and rng.random() < 0.25:
            # a copy of an earlier firm of the same class: a tie
            src = dict(zip(header, rng.choice(rows)))
            rec = dict(src)
        else:
            rec = {c: gen_number(rng) for c in cols}
            rec[class_col] = rng.choice(classes) if rng.random() < 0.97 else ""
            rec[ind_col] = rng.choice(industries)
        rec[id_col] = "F%03d" % k if rng.random() < 0.8 else "企%d" % k
        rows.append([rec[h] for h in header])
    # exclusions
    excl = []
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.5:
            excl.append(
                {
                    "column": rng.choice(cols),
                    "below": rng.choice([3, 0, 1.5, 10, -1]),
                    "reason": rng.choice(["用地面积不足3亩", "规模不足", "R%d" % rng.randint(0, 9)]),
                }
            )
        else:
            excl.append(
                {
                    "column": ind_col,
                    "in": rng.sample(industries, rng.randint(1, 2)),
                    "reason": rng.choice(["不参评行业", "豁免", "R%d" % rng.randint(0, 9)]),
                }
            )
    inds = []
    for k in range(rng.randint(1, 4)):
        w = rng.choice([30, 20, 10, 15, 12.5, 1, 0.5, 40, 0])
        inds.append(
            {
                "name": rng.choice(["亩均税收", "亩均营收", "单位能耗", "研发强度", "I"]) + str(k),
                "formula": gen_formula(rng, cols),
                "direction": rng.choice(["benefit", "benefit", "cost"]),
                "weight": w,
            }
        )
    parts = rng.choice(
        [(25, 45, 25, 5), (10, 40, 40, 10), (50, 50, 0, 0), (20, 30, 30, 20), (0, 50, 50, 0), (34, 33, 33, 0), (1, 1, 1, 97)]
    )
    grades = dict(zip("ABCD", parts))
    if rng.random() < 0.2:
        del grades["D"]  # D is the rest
    spec = {
        "id": id_col,
        "class": class_col,
        "exclude": excl,
        "indicator": inds,
        "basis": rng.choice(["mean", "median", "max"]),
        "cap": rng.choice([3.0, 2.0, 1.5, 1.0, 5]),
        "grades": grades,
    }
    return header, rows, spec


def muni_toml(spec):
    out = ['schema = "duban.eval/1"', "id = %s" % toml_str(spec["id"]), "class = %s" % toml_str(spec["class"]), ""]
    for ex in spec["exclude"]:
        out.append("[[exclude]]")
        for k, v in ex.items():
            out.append("%s = %s" % (k, toml_val(v)))
        out.append("")
    for ind in spec["indicator"]:
        out.append("[[indicator]]")
        for k, v in ind.items():
            out.append("%s = %s" % (k, toml_val(v)))
        out.append("")
    out += [
        "[method]",
        'normalise = "benchmark"',
        'aggregate = "sum"',
        'weights = "expert"',
        "[method.benchmark]",
        "basis = %s" % toml_str(spec["basis"]),
        "cap = %s" % toml_val(spec["cap"]),
        'missing = "zero"',
        "",
        "[grades]",
    ]
    for g, v in spec["grades"].items():
        out.append("%s = %d" % (g, v))
    return "\n".join(out) + "\n"


def run_muni(bin_path, d, header, rows, spec_text):
    data = os.path.join(d, "data.csv")
    spec_path = os.path.join(d, "spec.toml")
    write_csv(data, header, rows)
    with open(spec_path, "w", encoding="utf-8") as f:
        f.write(spec_text)
    p = subprocess.run(
        [bin_path, "eval", "run", "--data", data, "--spec", spec_path, "--format", "csv"],
        capture_output=True,
    )
    return p


def parse_muni_out(text):
    rd = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    out = []
    for r in rd:
        out.append(
            {
                "id": r["id"],
                "class": r["class"],
                "score": float(r["score"]) if r["score"] != "" else None,
                "rank": int(r["rank"]) if r["rank"] != "" else None,
                "grade": r["grade"] or None,
                "excluded": r["excluded"],
            }
        )
    return out


def diff_muni(exp, got):
    if len(exp) != len(got):
        return ["rows: expected %d, got %d" % (len(exp), len(got))]
    msgs = []
    for e, g in zip(exp, got):
        for k in ("id", "class", "rank", "grade", "excluded"):
            if e[k] != g[k]:
                msgs.append("firm %s: %s expected %r got %r" % (e["id"], k, e[k], g[k]))
        if not close(e["score"], g["score"]):
            msgs.append("firm %s: score expected %r got %r" % (e["id"], e["score"], g["score"]))
    return msgs


def muni_case(rng, bin_path, d):
    header, rows, spec = gen_muni(rng)
    text = muni_toml(spec)
    p = run_muni(bin_path, d, header, rows, text)
    exp = muni_ref.evaluate(header, rows, tomllib.loads(text))
    if p.returncode != 0:
        return ["duban failed: " + p.stderr.decode(errors="replace").strip()]
    return diff_muni(exp, parse_muni_out(p.stdout.decode()))


# ================================================================ monitor

REGIONS = ["杭州市", "宁波市", "温州市", "330400", "湖州市", "A", "a"]


def shift(period, k):
    """k periods later (k may be negative)."""
    f, y, i = period
    per = monitor_ref.per_year(f)
    idx = y * per + (i - 1) + k
    return (f, idx // per, idx % per + 1)


def gen_monitor(rng):
    ninds = rng.randint(1, 3)
    inds = []
    for k in range(ninds):
        inds.append(
            {
                "name": rng.choice(["服务业增加值", "社零额", "GDP", "工业增加值", "x"]) + str(k),
                "frequency": rng.choice(["monthly", "quarterly", "yearly", "quarterly"]),
                "kind": rng.choice(["cumulative", "period"]),
            }
        )
    regions = rng.sample(REGIONS, rng.randint(1, 6))
    has_pub = rng.random() < 0.5
    dups = rng.random() < 0.3  # rows of one vintage written twice
    as_of_year = rng.choice([2020, 2021])
    import datetime

    as_of = datetime.date(as_of_year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
    if rng.random() < 0.4:  # on a boundary: the last day of a period or the day after
        as_of = as_of.replace(day=1) - datetime.timedelta(days=rng.choice([0, 1]))
    pool = [0, 0.0, 50, 100, 100, 120, 80.5, 200, 95, -10]
    rows = []
    for ind in inds:
        f = monitor_ref.FREQ[ind["frequency"]]
        per = monitor_ref.per_year(f)
        span = {"M": 30, "Q": 12, "Y": 4}[f]
        start = shift((f, as_of_year, 1), -span + rng.randint(0, 2))
        for region in regions:
            p = start
            cum = 0.0
            shared = rng.random() < 0.4  # a few regions with identical series: ties
            srng = random.Random(7) if shared else rng
            for _ in range(span + per + 2):
                if p[2] == 1:
                    cum = 0.0
                inc = srng.choice(pool) if srng.random() < 0.8 else round(srng.uniform(-5, 120), 1)
                cum += inc
                v = cum if ind["kind"] == "cumulative" else inc
                if rng.random() < 0.08:
                    p = shift(p, 1)
                    continue  # a missing period
                end = monitor_ref.period_end(p)
                if has_pub:
                    pub = end + datetime.timedelta(days=rng.randint(1, 40) if rng.random() < 0.9 else 0)
                    if rng.random() < 0.05:
                        pub = as_of  # published on the as-of date: known
                    # an empty cell: known from the day after the period ends
                    cell = pub.isoformat() if rng.random() < 0.95 else ""
                    rows.append([region, ind["name"], monitor_ref.period_text(p), fmt(v), cell])
                    if dups and rng.random() < 0.05:  # the same vintage twice: the later line wins
                        v2 = v if rng.random() < 0.5 else v + 1
                        rows.append([region, ind["name"], monitor_ref.period_text(p), fmt(v2), cell])
                    for _ in range(rng.choice([0, 0, 1, 2])):  # revisions
                        pub = pub + datetime.timedelta(days=rng.randint(1, 120))
                        v2 = v + rng.choice([1, -1, 0.5, -v, 10])
                        rows.append([region, ind["name"], monitor_ref.period_text(p), fmt(v2), pub.isoformat()])
                else:
                    rows.append([region, ind["name"], monitor_ref.period_text(p), fmt(v)])
                    if dups and rng.random() < 0.05:  # written twice: the later line wins
                        rows.append([region, ind["name"], monitor_ref.period_text(p), fmt(v + 2)])
                p = shift(p, 1)
    if rng.random() < 0.2:  # a series no rule uses, not declared
        p = (rng.choice("MQY"), as_of_year - 1, 1)
        for _ in range(3):
            rows.append([rng.choice(regions), "未声明", monitor_ref.period_text(p), "1"] + (["2000-01-01"] if has_pub else []))
            p = shift(p, 1)
    rng.shuffle(rows)
    for ind in inds:  # both keys are optional in duban; the text always shows them
        if rng.random() < 0.1:
            del ind["frequency"]
    header = ["region", "indicator", "period", "value"] + (["published"] if has_pub else [])
    rules = []
    for k in range(rng.randint(1, 6)):
        ind = rng.choice(inds)
        r = {
            "id": rng.choice(["growth-low", "三连降", "bottom", "r", "Z"]) + "-%d" % k,
            "indicator": ind["name"],
            "measure": rng.choice(["value", "period_value", "yoy", "period_yoy"]),
        }
        kind = rng.random()
        if kind < 0.35:
            r[rng.choice(["below", "above"])] = rng.choice([5.0, 0, 100, -3.5, 20, 0.0])
        elif kind < 0.45:
            r["below"] = rng.choice([5.0, 0, 100])
            r["above"] = rng.choice([50.0, 150, 20])
        elif kind < 0.72:
            r["consecutive_declines"] = rng.randint(1, 3)
        else:
            r["bottom"] = rng.randint(1, 3)
        if rng.random() < 0.6:
            r["level"] = rng.choice(monitor_ref.LEVELS)
        rules.append(r)
    return header, rows, inds, rules, as_of.isoformat()


def fmt(v):
    if float(v) == int(v):
        return str(int(v))
    return repr(round(v, 6))


def monitor_toml(inds, rules):
    out = ['schema = "duban.monitor/1"', ""]
    for ind in inds:
        out.append("[[indicator]]")
        for k, v in ind.items():
            out.append("%s = %s" % (k, toml_val(v)))
        out.append("")
    for r in rules:
        out.append("[[rule]]")
        for k, v in r.items():
            out.append("%s = %s" % (k, toml_val(v)))
        out.append("")
    return "\n".join(out)


def run_monitor(bin_path, d, header, rows, rules_text, as_of):
    series = os.path.join(d, "series.csv")
    rules_path = os.path.join(d, "rules.toml")
    write_csv(series, header, rows)
    with open(rules_path, "w", encoding="utf-8") as f:
        f.write(rules_text)
    return subprocess.run(
        [bin_path, "monitor", "check", "--series", series, "--rules", rules_path, "--as-of", as_of, "--format", "json"],
        capture_output=True,
    )


def diff_monitor(exp, got):
    msgs = []
    for k in ("schema", "as_of"):
        if exp[k] != got.get(k):
            msgs.append("%s expected %r got %r" % (k, exp[k], got.get(k)))
    ea, ga = exp["alerts"], got.get("alerts", [])
    em = {(a["rule"], a["region"]): a for a in ea}
    gm = {(a.get("rule"), a.get("region")): a for a in ga}
    if len(gm) != len(ga):
        msgs.append("duplicate (rule, region) alerts in the output")
    for key in sorted(set(em) | set(gm)):
        e, g = em.get(key), gm.get(key)
        if g is None:
            msgs.append("missing alert %s/%s %s value %r" % (key[0], key[1], e["period"], e["value"]))
            continue
        if e is None:
            msgs.append("extra alert %s/%s %s value %r" % (key[0], key[1], g.get("period"), g.get("value")))
            continue
        for k in ("indicator", "period", "level"):
            if e[k] != g.get(k):
                msgs.append("alert %s/%s: %s expected %r got %r" % (key[0], key[1], k, e[k], g.get(k)))
        if not isinstance(g.get("value"), (int, float)) or not close(e["value"], float(g["value"])):
            msgs.append("alert %s/%s: value expected %r got %r" % (key[0], key[1], e["value"], g.get("value")))
    order = [(a.get("rule"), a.get("region")) for a in ga]
    if not msgs and order != sorted(order):
        msgs.append("alerts not sorted by rule, region: %s" % order)
    return msgs


def monitor_case(rng, bin_path, d):
    header, rows, inds, rules, as_of = gen_monitor(rng)
    text = monitor_toml(inds, rules)
    p = run_monitor(bin_path, d, header, rows, text, as_of)
    exp = monitor_ref.check(header, rows, tomllib.loads(text), as_of)
    if p.returncode != 0:
        return ["duban failed: " + p.stderr.decode(errors="replace").strip()]
    return diff_monitor(exp, json.loads(p.stdout))


# ================================================================ bad inputs

def bad_inputs(bin_path, d):
    """Each: files, the words the message must contain, and the command. Nonzero exit and
    an empty stdout are required."""
    good_data = [["firm_id", "county", "tax", "land_mu"], ["F1", "西湖区", "10", "5"], ["F2", "西湖区", "20", "4"]]
    good_spec = muni_toml(
        {
            "id": "firm_id",
            "class": "county",
            "exclude": [],
            "indicator": [{"name": "亩均税收", "formula": "tax / land_mu", "direction": "benefit", "weight": 100}],
            "basis": "mean",
            "cap": 3.0,
            "grades": {"A": 25, "B": 45, "C": 25, "D": 5},
        }
    )
    good_series = [["region", "indicator", "period", "value"], ["杭州市", "GDP", "2020-Q1", "10"], ["杭州市", "GDP", "2020-Q2", "25"]]
    good_rules = '''schema = "duban.monitor/1"
[[indicator]]
name = "GDP"
frequency = "quarterly"
kind = "cumulative"
[[rule]]
id = "low"
indicator = "GDP"
measure = "period_value"
below = 100
'''
    cases = []
    # 亩均
    cases.append(("muni: unknown key", "muni", good_data, good_spec.replace("cap = 3.0", "cap = 3.0\ncapp = 2"), ["capp"]))
    cases.append(("muni: formula names a missing column", "muni", good_data, good_spec.replace("tax / land_mu", "tax / 用地"), ["用地"]))
    cases.append(("muni: exclusion on a missing column", "muni", good_data, good_spec.replace("[[indicator]]", '[[exclude]]\ncolumn = "area"\nbelow = 3\nreason = "x"\n\n[[indicator]]'), ["area"]))
    cases.append(("muni: text in a numeric cell", "muni", good_data[:2] + [["F2", "西湖区", "abc", "4"]], good_spec, ["abc"]))
    cases.append(("muni: bad formula", "muni", good_data, good_spec.replace("tax / land_mu", "tax / (land_mu"), ["formula"]))
    cases.append(("muni: unknown basis", "muni", good_data, good_spec.replace('basis = "mean"', 'basis = "mode"'), ["mode"]))
    cases.append(("muni: shares not summing to 100", "muni", good_data, good_spec.replace("D = 5", "D = 6"), ["[grades]", "101"]))
    cases.append(("muni: id column missing", "muni", good_data, good_spec.replace('id = "firm_id"', 'id = "fid"'), ["fid"]))
    cases.append(("muni: duplicate id", "muni", good_data + [["F1", "西湖区", "1", "1"]], good_spec, ["F1"]))
    # monitor
    cases.append(("monitor: frequency differs from the data", "monitor", good_series, good_rules.replace("quarterly", "monthly"), ["GDP"], "2020-10-31"))
    cases.append(("monitor: duplicate rule id", "monitor", good_series, good_rules + good_rules[good_rules.index("[[rule]]"):], ["low"], "2020-10-31"))
    cases.append(("monitor: bad period", "monitor", good_series + [["杭州市", "GDP", "2020-13", "3"]], good_rules, ["2020-13"], "2020-10-31"))
    cases.append(("monitor: bad period Q5", "monitor", good_series + [["杭州市", "GDP", "2020-Q5", "3"]], good_rules, ["2020-Q5"], "2020-10-31"))
    cases.append(("monitor: bad as-of", "monitor", good_series, good_rules, ["2020-02-30"], "2020-02-30"))
    cases.append(
        ("monitor: bad published date", "monitor",
         [good_series[0] + ["published"], good_series[1] + ["2020-04-15"], good_series[2] + ["2020-02-30"]],
         good_rules, ["2020-02-30"], "2020-10-31"))
    cases.append(("monitor: unknown key", "monitor", good_series, good_rules.replace("below = 100", "below = 100\nbelowe = 3"), ["belowe"], "2020-10-31"))
    cases.append(("monitor: unknown measure", "monitor", good_series, good_rules.replace('"period_value"', '"qoq"'), ["qoq"], "2020-10-31"))
    cases.append(("monitor: bad value", "monitor", good_series + [["杭州市", "GDP", "2020-Q3", "n/a"]], good_rules, ["n/a"], "2020-10-31"))
    cases.append(("monitor: rule on an undeclared indicator", "monitor", good_series, good_rules.replace('indicator = "GDP"', 'indicator = "GNP"'), ["GNP"], "2020-10-31"))
    failures = []
    for case in cases:
        name, kind = case[0], case[1]
        if kind == "muni":
            _, _, data, spec, words = case
            p = run_muni(bin_path, d, data[0], data[1:], spec)
        else:
            _, _, data, rules, words, as_of = case
            p = run_monitor(bin_path, d, data[0], data[1:], rules, as_of)
        err = p.stderr.decode(errors="replace")
        problems = []
        if p.returncode == 0:
            problems.append("exit 0")
        if p.stdout.strip():
            problems.append("output on stdout: %r" % p.stdout[:200])
        for w in words:
            if w not in err:
                problems.append("message does not name %r" % w)
        if problems:
            failures.append("%s: %s; stderr: %s" % (name, ", ".join(problems), err.strip()[:300]))
    return len(cases), failures


# ================================================================ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300, help="cases per contract")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=["muni", "monitor", "bad"])
    ap.add_argument("--keep", help="directory for failing cases")
    ap.add_argument("--max-report", type=int, default=10)
    args = ap.parse_args()
    keep = args.keep or tempfile.mkdtemp(prefix="contracts-")
    os.makedirs(keep, exist_ok=True)
    failed = 0
    ran = 0
    reported = 0
    kinds = [("muni", muni_case), ("monitor", monitor_case)]
    for kind, fn in kinds:
        if args.only and args.only != kind:
            continue
        for k in range(args.cases):
            rng = random.Random("%s-%d-%d" % (kind, args.seed, k))
            d = os.path.join(keep, "%s-%d" % (kind, k))
            os.makedirs(d, exist_ok=True)
            try:
                msgs = fn(rng, args.bin, d)
            except Exception as e:  # the reference refused or crashed: a finding too
                msgs = ["reference: %s: %s" % (type(e).__name__, e)]
            ran += 1
            if msgs:
                failed += 1
                if reported < args.max_report:
                    reported += 1
                    print("FAIL %s case %d (%s)" % (kind, k, d))
                    for m in msgs[:8]:
                        print("   ", m)
            else:
                for f in os.listdir(d):
                    os.remove(os.path.join(d, f))
                os.rmdir(d)
    if not args.only or args.only == "bad":
        d = os.path.join(keep, "bad")
        os.makedirs(d, exist_ok=True)
        n, fails = bad_inputs(args.bin, d)
        ran += n
        failed += len(fails)
        for f in fails:
            print("FAIL bad input", f)
    print("%d cases, %d disagreements (kept in %s)" % (ran, failed, keep))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
