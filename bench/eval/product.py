"""Peers of `duban eval run` for bench/eval/product.sh: read → entropy (raw) + TOPSIS (vector) +
rank → written results, from CSV or Parquet. `make N CSV PARQUET` writes the test data
(lognormal, numpy seed = N, ids u0…); `check REF OUT…` compares the tools' results."""
import sys

import numpy as np

COST = {3, 7}
COLS = [f"x{j}" for j in range(8)]


def make(n, csv, pq):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as papq

    rng = np.random.default_rng(n)
    x = rng.lognormal(0.0, 1.0, size=(n, 8))
    t = pa.table({"id": [f"u{i}" for i in range(n)], **{c: x[:, j] for j, c in enumerate(COLS)}})
    pacsv.write_csv(t, csv)
    papq.write_table(t, pq)


def scores(x):
    p = x / x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.nansum(p * np.log(p), axis=0) / np.log(len(x))
    w = (1 - e) / (1 - e).sum()
    v = x / np.sqrt((x * x).sum(axis=0)) * w
    best = np.array([v[:, j].min() if j in COST else v[:, j].max() for j in range(8)])
    worst = np.array([v[:, j].max() if j in COST else v[:, j].min() for j in range(8)])
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    return dm / (dp + dm)


def numpy_run(src, out):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as papq

    t = papq.read_table(src) if src.endswith(".parquet") else pacsv.read_csv(src)
    x = np.column_stack([t[c].to_numpy() for c in COLS])
    s = scores(x)
    order = np.argsort(-s, kind="stable")
    rank = np.empty(len(s))
    rank[order] = np.arange(1, len(s) + 1)
    r = pa.table({"id": t["id"].take(pa.array(order)), "rank": rank[order], "score": s[order]})
    (papq.write_table if out.endswith(".parquet") else pacsv.write_csv)(r, out)


def duckdb_run(src, out):
    import duckdb

    read = f"read_parquet('{src}')" if src.endswith(".parquet") else f"read_csv('{src}')"
    sq = " + ".join(f"{c}*{c}" for c in COLS)
    ent = ", ".join(f"-sum(({c}/s{c})*ln({c}/s{c}))/ln(count(*)) e{c}" for c in COLS)
    sums = ", ".join(f"sum({c}) s{c}" for c in COLS)
    norms = ", ".join(f"sqrt(sum({c}*{c})) n{c}" for c in COLS)
    wsum = " + ".join(f"(1-e{c})" for c in COLS)
    v = ", ".join(f"{c}/n{c}*(1-e{c})/({wsum}) v{c}" for c in COLS)
    best = ", ".join(f"{'min' if j in COST else 'max'}(v{c}) b{c}, {'max' if j in COST else 'min'}(v{c}) w{c}" for j, c in enumerate(COLS))
    dp = " + ".join(f"(v{c}-b{c})^2" for c in COLS)
    dm = " + ".join(f"(v{c}-w{c})^2" for c in COLS)
    q = f"""
      with d as (select * from {read}),
      s as (select {sums}, {norms} from d),
      e as (select {ent} from d, s),
      v as (select id, {v} from d, s, e),
      b as (select {best} from v),
      r as (select id, sqrt({dm}) / (sqrt({dp}) + sqrt({dm})) score from v, b)
      select id, rank() over (order by score desc) rank, score from r order by rank"""
    fmt = "(format parquet)" if out.endswith(".parquet") else "(header)"
    duckdb.sql(f"copy ({q}) to '{out}' {fmt}")


def polars_run(src, out):
    import polars as pl

    d = pl.read_parquet(src) if src.endswith(".parquet") else pl.read_csv(src)
    x = d.select(COLS).to_numpy()
    s = scores(x)
    r = pl.DataFrame({"id": d["id"], "score": s}).with_columns(
        pl.col("score").rank("min", descending=True).alias("rank")).sort("rank")
    (r.write_parquet if out.endswith(".parquet") else r.write_csv)(out)


def check(ref, *others):
    """Do the tools agree? Every output against `ref` (duban's): the same ten first ids with
    scores within 1e-9, and over all units (matched by id) the largest score difference and the
    number of different ranks. Exits 1 when a score differs by more than 1e-9."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    def load(path):
        if path.endswith(".parquet"):
            import pyarrow.parquet as papq
            t = papq.read_table(path, columns=["id", "rank", "score"])
            t = pa.table({"id": t["id"].cast(pa.string()), "rank": t["rank"].cast(pa.float64()),
                          "score": t["score"].cast(pa.float64())})
        else:
            opts = pacsv.ConvertOptions(include_columns=["id", "rank", "score"],
                                        column_types={"id": pa.string(), "rank": pa.float64(),
                                                      "score": pa.float64()})
            t = pacsv.read_csv(path, convert_options=opts)
        ids = t["id"].combine_chunks()
        order = pc.sort_indices(ids).to_numpy()
        return ids, order, t["rank"].to_numpy(), t["score"].to_numpy()

    rid, rorder, rrank, rscore = load(ref)
    bad = False
    for path in others:
        ids, order, rank, score = load(path)
        top = (ids[:10].to_pylist() == rid[:10].to_pylist()
               and bool(np.all(np.abs(score[:10] - rscore[:10]) <= 1e-9)))
        same_ids = len(ids) == len(rid) and ids.take(order).equals(rid.take(rorder))
        diff = np.max(np.abs(score[order] - rscore[rorder])) if same_ids else float("inf")
        ranks = int(np.sum(rank[order] != rrank[rorder])) if same_ids else -1
        ok = top and same_ids and diff <= 1e-9
        bad |= not ok
        print(f"  agree {path}: top-10 {'same' if top else 'DIFFERENT'}, "
              f"ids {'same' if same_ids else 'DIFFERENT'}, max |score diff| {diff:.2e}, "
              f"ranks differing {ranks}{'' if ok else '  <-- DISAGREES'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "make":
        make(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif mode == "check":
        check(sys.argv[2], *sys.argv[3:])
    else:
        {"numpy": numpy_run, "duckdb": duckdb_run, "polars": polars_run}[mode](sys.argv[2], sys.argv[3])
