"""The bench scheme (bench/muni/spec.toml) in DuckDB SQL and in polars, end to end from the
CSV to a result CSV with the columns id,class,score,rank,grade,excluded in input order.

usage: peers.py duckdb|polars IN.csv OUT.csv
       peers.py check DUBAN.csv OTHER.csv [STEP]   (compare every STEP-th row)
"""
import sys

EXEMPT = ["批发零售业", "住宿餐饮业", "金融业", "房地产开发"]
# name, numerator, denominator, benefit?, weight
IND = [("i1", "tax", "land_mu", True, 30), ("i2", "value_added", "land_mu", True, 20),
       ("i3", "value_added", "energy", True, 20), ("i4", "value_added", "emission", True, 10),
       ("i5", "energy", "land_mu", False, 10), ("i6", "tax", "value_added", True, 10)]
CAP = 3.0


def duckdb_run(src, dst):
    import duckdb
    ex = ", ".join(f"'{x}'" for x in EXEMPT)
    vals = ", ".join(f"CASE WHEN {d} <> 0 THEN {a} / {d} END AS {n}" for n, a, d, _, _ in IND)
    bench = ", ".join(
        f"AVG(CASE WHEN excluded IS NULL THEN {n} END) OVER (PARTITION BY county) AS b_{n}"
        for n, *_ in IND)

    def ratio(n, benefit):
        r = f"{n} / b_{n}" if benefit else f"b_{n} / {n}"
        cost = "" if benefit else f" WHEN {n} <= 0 THEN {CAP}"
        return (f"(CASE WHEN {n} IS NULL OR b_{n} IS NULL OR b_{n} <= 0 THEN 0{cost} "
                f"ELSE LEAST(GREATEST({r}, 0), {CAP}) END)")
    score = " + ".join(f"{w} * {ratio(n, b)}" for n, _, _, b, w in IND)
    sql = f"""
    COPY (
      WITH raw AS (
        SELECT row_number() OVER () AS rn, * FROM read_csv('{src}', header = true,
          columns = {{'firm_id': 'VARCHAR', 'county': 'VARCHAR', 'industry': 'VARCHAR',
                     'land_mu': 'DOUBLE', 'tax': 'DOUBLE', 'value_added': 'DOUBLE',
                     'energy': 'DOUBLE', 'emission': 'DOUBLE'}})
      ), v AS (
        SELECT rn, firm_id, county,
          CASE WHEN land_mu < 3 THEN '用地面积不足3亩' WHEN industry IN ({ex}) THEN '不参评行业' END
            AS excluded, {vals}
        FROM raw
      ), b AS (SELECT *, {bench} FROM v
      ), s AS (
        SELECT rn, firm_id, county, excluded,
          CASE WHEN excluded IS NULL THEN {score} END AS score FROM b
      ), r AS (
        SELECT *, RANK() OVER (PARTITION BY county, excluded IS NULL ORDER BY score DESC) AS rk,
          COUNT(*) OVER (PARTITION BY county, excluded IS NULL) AS n FROM s
      )
      SELECT firm_id AS id, county AS class, score,
        CASE WHEN excluded IS NULL THEN rk END AS rank,
        CASE WHEN excluded IS NOT NULL THEN NULL
             WHEN (rk - 1) * 100 < 25 * n THEN 'A' WHEN (rk - 1) * 100 < 70 * n THEN 'B'
             WHEN (rk - 1) * 100 < 95 * n THEN 'C' ELSE 'D' END AS grade,
        excluded
      FROM r ORDER BY rn
    ) TO '{dst}' (HEADER, DELIMITER ',');
    """
    duckdb.sql(sql)


def polars_run(src, dst):
    import polars as pl
    schema = {"firm_id": pl.Utf8, "county": pl.Utf8, "industry": pl.Utf8}
    df = pl.scan_csv(src, schema_overrides=schema)
    excluded = (pl.when(pl.col("land_mu") < 3).then(pl.lit("用地面积不足3亩"))
                .when(pl.col("industry").is_in(EXEMPT)).then(pl.lit("不参评行业"))
                .otherwise(pl.lit(None, dtype=pl.Utf8)))
    df = df.with_columns(excluded.alias("excluded"), *[
        pl.when(pl.col(d) != 0).then(pl.col(a) / pl.col(d)).alias(n) for n, a, d, _, _ in IND])
    ev = pl.col("excluded").is_null()
    df = df.with_columns(*[pl.when(ev).then(pl.col(n)).mean().over("county").alias("b_" + n)
                           for n, *_ in IND])

    def ratio(n, benefit):
        x, b = pl.col(n), pl.col("b_" + n)
        r = (x / b) if benefit else (b / x)
        e = pl.when(x.is_null() | b.is_null() | (b <= 0)).then(0.0)
        if not benefit:
            e = e.when(x <= 0).then(CAP)
        return e.otherwise(r.clip(0.0, CAP))
    score = None
    for n, _, _, b, w in IND:
        term = w * ratio(n, b)
        score = term if score is None else score + term
    df = df.with_columns(pl.when(ev).then(score).alias("score"))
    df = df.with_columns(
        pl.col("score").rank("min", descending=True).over(["county", ev]).alias("rk"),
        pl.len().over(["county", ev]).alias("n"))
    x, n = (pl.col("rk") - 1) * 100, pl.col("n")
    grade = (pl.when(~ev).then(None).when(x < 25 * n).then(pl.lit("A"))
             .when(x < 70 * n).then(pl.lit("B")).when(x < 95 * n).then(pl.lit("C"))
             .otherwise(pl.lit("D")))
    out = df.select(pl.col("firm_id").alias("id"), pl.col("county").alias("class"), "score",
                    pl.when(ev).then(pl.col("rk")).alias("rank"), grade.alias("grade"),
                    "excluded")
    out.sink_csv(dst)


def check(a_path, b_path, step=1):
    import pyarrow.csv as pacsv
    opts = pacsv.ConvertOptions(column_types={"id": "string", "class": "string",
                                              "grade": "string", "excluded": "string",
                                              "score": "float64", "rank": "float64"},
                                strings_can_be_null=True)
    a = pacsv.read_csv(a_path, convert_options=opts).to_pydict()
    b = pacsv.read_csv(b_path, convert_options=opts).to_pydict()
    n = len(a["id"])
    assert n == len(b["id"]), f"{n} rows vs {len(b['id'])}"
    bad = {"id": 0, "excluded": 0, "score": 0, "rank": 0, "grade": 0}
    checked = 0
    for i in range(0, n, step):
        checked += 1
        if a["id"][i] != b["id"][i]:
            bad["id"] += 1
        if (a["excluded"][i] or None) != (b["excluded"][i] or None):
            bad["excluded"] += 1
        sa, sb = a["score"][i], b["score"][i]
        if (sa is None) != (sb is None) or (sa is not None and abs(sa - sb) > 1e-9 * max(1, abs(sa))):
            bad["score"] += 1
        if a["rank"][i] != b["rank"][i]:
            bad["rank"] += 1
        if (a["grade"][i] or None) != (b["grade"][i] or None):
            bad["grade"] += 1
    print(f"  {b_path}: {checked} rows checked, mismatches {bad}")
    return all(v == 0 for v in bad.values())


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "duckdb":
        duckdb_run(sys.argv[2], sys.argv[3])
    elif cmd == "polars":
        polars_run(sys.argv[2], sys.argv[3])
    else:
        ok = check(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1)
        sys.exit(0 if ok else 1)
