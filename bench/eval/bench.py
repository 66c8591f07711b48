"""duban's evaluation engine against the Python peers, in one run (see run.sh).

Generates deterministic matrices as CSV (bench/data/eval/), then times
  (a) min-max (directed) + weighted sum + rank       "minmax_sum"
  (b) entropy weights (raw proportions) + TOPSIS (vector normalisation) + rank   "entropy_topsis"
  (c) a 10,000-draw weight Monte Carlo on the 90 x 12 county case               "mc_weights"
for duban (release example, in memory and end-to-end from CSV), numpy by hand, pymcdm,
scikit-criteria, pyrepo-mcda, DuckDB SQL and polars. Prints medians and the ratio to duban's
in-memory time. Every tool computes the same numbers; unit 0's score is printed as a check.
"""

import json
import os
import pathlib
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data" / "eval"
DUBAN = os.environ.get("DUBAN_EVAL_BENCH", str(ROOT / "target" / "release" / "examples" / "eval_bench"))
M = 8
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]


def gen(n, m, path, seed):
    if path.exists():
        return
    rng = np.random.default_rng(seed)
    X = np.round(rng.lognormal(mean=3.0, sigma=0.6, size=(n, m)) + 0.5, 6)
    with open(path, "w") as f:
        f.write("id," + ",".join(f"c{j}" for j in range(m)) + "\n")
        ids = np.char.add("u", np.arange(n).astype(str))
        for start in range(0, n, 200_000):
            block = X[start : start + 200_000]
            lines = [i + "," + ",".join(repr(float(v)) for v in row) for i, row in zip(ids[start : start + 200_000], block)]
            f.write("\n".join(lines) + "\n")


def types_for(m):
    return np.array([-1 if j % 4 == 3 else 1 for j in range(m)])


def timeit(fn, reps):
    times, out = [], None
    for k in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        if k == 0 and times[0] > 5:  # a very slow peer: one run is enough to state it
            break
    return float(np.median(times)), out, len(times)


PYREPO_OWN_RANK_MAX = 100_000


def pyrepo_rank(s):
    """pyrepo-mcda's rank_preferences is O(n^2) (np.where per unit): ~10 min at 1e6 units. Above
    PYREPO_OWN_RANK_MAX the bench ranks pyrepo's scores with scipy instead (reported as such)."""
    import scipy.stats
    from pyrepo_mcda.additions import rank_preferences

    if len(s) <= PYREPO_OWN_RANK_MAX:
        return rank_preferences(s, reverse=True)
    return scipy.stats.rankdata(-s, method="min")


# ---------------------------------------------------------------- (a) min-max + sum + rank
def np_minmax_sum(X, t, w):
    import scipy.stats

    mn, mx = X.min(0), X.max(0)
    N = (X - mn) / (mx - mn)
    N[:, t == -1] = 1.0 - N[:, t == -1]
    s = N @ w
    return s, scipy.stats.rankdata(-s, method="min")


def pymcdm_minmax_sum(X, t, w):
    from pymcdm import methods as pm
    from pymcdm import normalizations as pmn
    from pymcdm.helpers import rrankdata

    s = pm.WSM(normalization_function=pmn.minmax_normalization)(X, w, t)
    return s, rrankdata(s)


def skc_minmax_sum(X, t, w):
    import skcriteria as skc
    from skcriteria.agg.simple import WeightedSumModel
    from skcriteria.pipeline import mkpipe
    from skcriteria.preprocessing.invert_objectives import NegateMinimize
    from skcriteria.preprocessing.scalers import MinMaxScaler

    dm = skc.mkdm(X, objectives=[max if v == 1 else min for v in t], weights=w)
    r = mkpipe(NegateMinimize(), MinMaxScaler(target="matrix"), WeightedSumModel()).evaluate(dm)
    return r.e_.score, r.rank_


def pyrepo_minmax_sum(X, t, w):
    from pyrepo_mcda import normalizations as prn
    from pyrepo_mcda.additions import rank_preferences
    from pyrepo_mcda.mcda_methods import SAW

    s = SAW(normalization_method=prn.minmax_normalization)(X, w, t)
    return s, pyrepo_rank(s)


def duckdb_minmax_sum(con, t, w):
    stats = ", ".join(f"min(c{j}) mn{j}, max(c{j}) mx{j}" for j in range(M))
    terms = " + ".join(
        f"{float(w[j])!r} * ((c{j} - mn{j}) / (mx{j} - mn{j}))" if t[j] == 1 else f"{float(w[j])!r} * ((mx{j} - c{j}) / (mx{j} - mn{j}))"
        for j in range(M)
    )
    q = f"""WITH s AS (SELECT {stats} FROM t),
            sc AS (SELECT id, {terms} AS score FROM t, s)
            SELECT id, score, rank() OVER (ORDER BY score DESC) AS rk FROM sc"""
    r = con.execute(q).fetchnumpy()
    return r["score"], r["rk"], r["id"]


def polars_minmax_sum(df, t, w):
    import polars as pl

    terms = [
        (w[j] * ((pl.col(f"c{j}") - pl.col(f"c{j}").min()) / (pl.col(f"c{j}").max() - pl.col(f"c{j}").min())))
        if t[j] == 1
        else (w[j] * ((pl.col(f"c{j}").max() - pl.col(f"c{j}")) / (pl.col(f"c{j}").max() - pl.col(f"c{j}").min())))
        for j in range(M)
    ]
    out = df.select(pl.col("id"), pl.sum_horizontal(terms).alias("score")).with_columns(
        pl.col("score").rank("min", descending=True).alias("rk")
    )
    return out["score"].to_numpy(), out["rk"].to_numpy()


# ---------------------------------------------------------------- (b) entropy + TOPSIS + rank
def np_entropy_topsis(X, t):
    import scipy.stats

    n = X.shape[0]
    P = X / X.sum(0)
    E = -(P * np.log(P)).sum(0) / np.log(n)
    w = (1 - E) / (1 - E).sum()
    V = X / np.sqrt((X * X).sum(0)) * w
    best = np.where(t == 1, V.max(0), V.min(0))
    worst = np.where(t == 1, V.min(0), V.max(0))
    dp = np.sqrt(((V - best) ** 2).sum(1))
    dn = np.sqrt(((V - worst) ** 2).sum(1))
    c = dn / (dp + dn)
    return c, scipy.stats.rankdata(-c, method="min")


def pymcdm_entropy_topsis(X, t):
    from pymcdm import methods as pm
    from pymcdm import normalizations as pmn
    from pymcdm import weights as pmw
    from pymcdm.helpers import rrankdata

    w = pmw.entropy_weights(X)
    c = pm.TOPSIS(normalization_function=pmn.vector_normalization)(X, w, t)
    return c, rrankdata(c)


def skc_entropy_topsis(X, t):
    import skcriteria as skc
    from skcriteria.agg.similarity import TOPSIS
    from skcriteria.pipeline import mkpipe
    from skcriteria.preprocessing.scalers import VectorScaler
    from skcriteria.preprocessing.weighters import EntropyWeighter

    dm = skc.mkdm(X, objectives=[max if v == 1 else min for v in t])
    r = mkpipe(EntropyWeighter(), VectorScaler(target="matrix"), TOPSIS()).evaluate(dm)
    return r.e_.similarity, r.rank_


def pyrepo_entropy_topsis(X, t):
    from pyrepo_mcda import normalizations as prn
    from pyrepo_mcda import weighting_methods as prw
    from pyrepo_mcda.additions import rank_preferences
    from pyrepo_mcda.mcda_methods import TOPSIS

    w = prw.entropy_weighting(X)
    c = TOPSIS(normalization_method=prn.vector_normalization)(X, w, t)
    return c, pyrepo_rank(c)


def duckdb_entropy_topsis(con, t, n):
    sums = ", ".join(f"sum(c{j}) s{j}, sqrt(sum(c{j}*c{j})) q{j}, min(c{j}) mn{j}, max(c{j}) mx{j}" for j in range(M))
    ent = ", ".join(f"-sum((c{j}/s{j}) * ln(c{j}/s{j})) / ln({n}) e{j}" for j in range(M))
    dsum = " + ".join(f"(1 - e{j})" for j in range(M))
    wts = ", ".join(f"(1 - e{j}) / ({dsum}) w{j}" for j in range(M))
    dp = " + ".join(
        f"power(w{j} * (c{j} - {'mx' if t[j] == 1 else 'mn'}{j}) / q{j}, 2)" for j in range(M)
    )
    dn = " + ".join(
        f"power(w{j} * (c{j} - {'mn' if t[j] == 1 else 'mx'}{j}) / q{j}, 2)" for j in range(M)
    )
    q = f"""WITH s AS (SELECT {sums} FROM t),
            e AS (SELECT {ent} FROM t, s),
            w AS (SELECT {wts} FROM e),
            d AS (SELECT id, sqrt({dp}) dp, sqrt({dn}) dn FROM t, s, w),
            c AS (SELECT id, dn / (dp + dn) AS score FROM d)
            SELECT id, score, rank() OVER (ORDER BY score DESC) AS rk FROM c"""
    r = con.execute(q).fetchnumpy()
    return r["score"], r["rk"], r["id"]


def polars_entropy_topsis(df, t, n):
    import polars as pl

    cols = [f"c{j}" for j in range(M)]
    p = [pl.col(c) / pl.col(c).sum() for c in cols]
    e = df.select([(-(pj * pj.log()).sum() / np.log(n)).alias(c) for pj, c in zip(p, cols)]).row(0)
    d = np.array([1 - v for v in e])
    w = d / d.sum()
    q = df.select([(pl.col(c) ** 2).sum().sqrt().alias(c) for c in cols]).row(0)
    mn = df.select([pl.col(c).min() for c in cols]).row(0)
    mx = df.select([pl.col(c).max() for c in cols]).row(0)
    dp = pl.sum_horizontal([((w[j] / q[j]) * (pl.col(cols[j]) - (mx[j] if t[j] == 1 else mn[j]))) ** 2 for j in range(M)]).sqrt()
    dn = pl.sum_horizontal([((w[j] / q[j]) * (pl.col(cols[j]) - (mn[j] if t[j] == 1 else mx[j]))) ** 2 for j in range(M)]).sqrt()
    out = df.select(pl.col("id"), (dn / (dp + dn)).alias("score")).with_columns(
        pl.col("score").rank("min", descending=True).alias("rk")
    )
    return out["score"].to_numpy(), out["rk"].to_numpy()


# ---------------------------------------------------------------- (c) Monte Carlo
def np_mc(X, t, draws, seed=1, noise=0.25):
    import scipy.stats

    n, m = X.shape
    mn, mx = X.min(0), X.max(0)
    N = (X - mn) / (mx - mn)
    N[:, t == -1] = 1.0 - N[:, t == -1]
    rng = np.random.default_rng(seed)
    W = np.full(m, 1.0 / m) * rng.uniform(1 - noise, 1 + noise, size=(draws, m))
    W /= W.sum(1, keepdims=True)
    S = N @ W.T  # n x draws
    R = scipy.stats.rankdata(-S, axis=0, method="min")
    q = np.percentile(R, [5, 50, 95], axis=1)
    return q, R.min(1), R.max(1), (R == 1).mean(1)


def pyrepo_name(n):
    return "pyrepo-mcda" if n <= PYREPO_OWN_RANK_MAX else "pyrepo-mcda (+scipy rank)"


def show(row):
    task, n, tool, mode, med, s0, k = row
    ms = "" if med is None else f"{med:.4f}"
    print(f"  {task} {n} {tool} {mode} {ms} s x{k}", flush=True)


def duban(*args):
    out = subprocess.run([DUBAN, *map(str, args)], check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def main():
    import duckdb
    import polars as pl
    from threadpoolctl import threadpool_info

    DATA.mkdir(parents=True, exist_ok=True)

    class Rows(list):
        def append(self, row):
            show(row)
            super().append(row)

    rows = Rows()
    info = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": [(i.get("internal_api"), i.get("architecture"), i.get("num_threads")) for i in threadpool_info()],
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "duckdb": duckdb.__version__,
        "polars": pl.__version__,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(info))
    bw = duban("bandwidth")[0]
    print(json.dumps(bw))
    t_np = time.perf_counter()
    big = np.ones(1 << 27)
    best = min((lambda: (lambda t0: (big.sum(), time.perf_counter() - t0)[1])(time.perf_counter()))() for _ in range(5))
    print(json.dumps({"tool": "numpy", "task": "bandwidth", "gb_s": round(big.nbytes / 1e9 / best, 2)}))
    del big

    for n in SIZES:
        path = DATA / f"units_{n}x{M}.csv"
        gen(n, M, path, seed=n)
        df = pl.read_csv(path)
        X = df.select([f"c{j}" for j in range(M)]).to_numpy()
        t = types_for(M)
        w = np.full(M, 1.0 / M)
        con = duckdb.connect()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv_auto('{path}')")
        reps = 5 if n <= 100_000 else 3
        for task in ("minmax_sum", "entropy_topsis"):
            d = {r["mode"]: r for r in duban("table", path, task, reps)}
            base = d["memory"]["median_s"]
            rows.append((task, n, "duban", "memory", base, d["memory"]["unit0_score"], reps))
            # Scores, ranks and weights only (EvalOptions { normalised: false }): the peers do
            # not build a normalised-value table either. Ratios stay against "memory".
            rows.append((task, n, "duban", "scores", d["scores"]["median_s"], None, reps))
            rows.append((task, n, "duban", "csv", d["csv"]["median_s"], None, reps))
            if task == "minmax_sum":
                peers = {
                    "numpy": lambda: np_minmax_sum(X.copy(), t, w),
                    "pymcdm": lambda: pymcdm_minmax_sum(X, t, w),
                    "scikit-criteria": lambda: skc_minmax_sum(X, t, w),
                    pyrepo_name(n): lambda: pyrepo_minmax_sum(X, t, w),
                    "duckdb": lambda: duckdb_minmax_sum(con, t, w),
                    "polars": lambda: polars_minmax_sum(df, t, w),
                }
            else:
                peers = {
                    "numpy": lambda: np_entropy_topsis(X, t),
                    "pymcdm": lambda: pymcdm_entropy_topsis(X, t),
                    "scikit-criteria": lambda: skc_entropy_topsis(X, t),
                    pyrepo_name(n): lambda: pyrepo_entropy_topsis(X, t),
                    "duckdb": lambda: duckdb_entropy_topsis(con, t, n),
                    "polars": lambda: polars_entropy_topsis(df, t, n),
                }
            for name, fn in peers.items():
                try:
                    med, out, k = timeit(fn, reps)
                    sc = np.asarray(out[0])
                    s0 = sc[np.asarray(out[2]) == "u0"][0] if len(out) == 3 else sc[0]
                    rows.append((task, n, name, "memory", med, float(s0), k))
                except Exception as e:  # noqa: BLE001 - a failing peer is reported, not fatal
                    rows.append((task, n, name, f"failed: {type(e).__name__}: {str(e)[:60]}", None, None, 0))
            # end to end from CSV for the two that read CSV themselves
            if task == "entropy_topsis":
                med, _, k = timeit(lambda: polars_entropy_topsis(pl.read_csv(path), t, n), reps)
                rows.append((task, n, "polars", "csv", med, None, k))

                def duck_e2e():
                    c2 = duckdb.connect()
                    c2.execute(f"CREATE TABLE t AS SELECT * FROM read_csv_auto('{path}')")
                    return duckdb_entropy_topsis(c2, t, n)

                med, _, k = timeit(duck_e2e, reps)
                rows.append((task, n, "duckdb", "csv", med, None, k))
                med, _, k = timeit(lambda: np_entropy_topsis(pl.read_csv(path).select([f"c{j}" for j in range(M)]).to_numpy(), t), reps)
                rows.append((task, n, "numpy (polars CSV reader)", "csv", med, None, k))

    # (c) Monte Carlo on the county case
    path = DATA / "county_90x12.csv"
    gen(90, 12, path, seed=90)
    Xc = pl.read_csv(path).select([f"c{j}" for j in range(12)]).to_numpy()
    tc = types_for(12)
    draws = 10_000
    d = duban("mc", path, draws, 5)[0]
    rows.append(("mc_weights", 90, "duban", "memory", d["median_s"], None, 5))
    med, _, k = timeit(lambda: np_mc(Xc, tc, draws), 5)
    rows.append(("mc_weights", 90, "numpy", "memory", med, None, k))
    d = duban("mc", path, draws, 3, "full")[0]
    rows.append(("mc_full_sensitivity", 90, "duban", "memory", d["median_s"], None, 3))

    base = {}
    for task, n, tool, mode, med, _, _ in rows:
        if tool == "duban" and mode == "memory":
            base[(task, n)] = med
    print(f"\n{'task':22} {'units':>8} {'tool':26} {'mode':8} {'median s':>10} {'× duban':>9} {'runs':>4}  unit0 score")
    for task, n, tool, mode, med, s0, k in rows:
        ratio = "" if med is None else f"{med / base[(task, n)]:9.1f}"
        ms = "" if med is None else f"{med:10.4f}"
        s0s = "" if s0 is None else f"{s0:.12f}"
        print(f"{task:22} {n:>8} {tool:26} {mode:8} {ms:>10} {ratio:>9} {k:>4}  {s0s}")
    (DATA / "results.json").write_text(json.dumps({"info": info, "bandwidth": bw, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
