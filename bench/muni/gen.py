"""Seeded generator of firm data for the 亩均效益 bench (示例数据, not real firms).

usage: gen.py N OUT.csv [SEED]

8 raw fields per firm: firm_id, county (90), industry (12, four of them exempt), land_mu,
tax, value_added, energy, emission. Lognormal sizes; about 3 % of firms below 3 亩, 6 % zero
tax, 1 % negative tax (refunds), 5 % missing energy, 15 % missing emission, some zero land.
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

INDUSTRIES = ["通用设备制造业", "纺织业", "化学原料和化学制品制造业", "电气机械和器材制造业",
              "金属制品业", "汽车制造业", "计算机通信电子设备制造业", "软件和信息技术服务业",
              "批发零售业", "住宿餐饮业", "金融业", "房地产开发"]


def main():
    n = int(float(sys.argv[1]))
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261205
    rng = np.random.default_rng(seed)
    county_idx = rng.integers(0, 90, n)
    counties = np.array([f"第{k + 1:02d}县" for k in range(90)])
    # Exempt industries are rarer (weights), manufacturing dominates.
    w = np.array([14, 10, 8, 10, 12, 6, 8, 8, 10, 6, 4, 4], dtype=float)
    ind_idx = rng.choice(len(INDUSTRIES), n, p=w / w.sum())
    industries = np.array(INDUSTRIES)
    county_effect = rng.normal(0.0, 0.3, 90)[county_idx]
    size = rng.lognormal(0.0, 1.0, n)
    land = np.round(rng.lognormal(3.0, 1.0, n) * (0.5 + size) / 1.5, 2)
    land[rng.random(n) < 0.002] = 0.0
    tax = np.round(land * rng.lognormal(2.3 + county_effect, 0.9, n), 1)
    tax[rng.random(n) < 0.06] = 0.0
    neg = rng.random(n) < 0.01
    tax[neg] = -np.round(rng.lognormal(2.0, 1.0, neg.sum()), 1)
    va = np.round(np.abs(tax) * rng.lognormal(1.5, 0.5, n) + land * 5.0, 1)
    energy = np.round(va * rng.lognormal(-1.5, 0.6, n), 2)
    emission = np.round(energy * rng.lognormal(-2.0, 0.8, n), 3)
    ids = pa.array(np.char.add("F", np.char.zfill(np.arange(1, n + 1).astype(str), 9)))
    table = pa.table({
        "firm_id": ids,
        "county": pa.array(counties[county_idx]),
        "industry": pa.array(industries[ind_idx]),
        "land_mu": land,
        "tax": tax,
        "value_added": va,
        "energy": pa.array(energy, mask=rng.random(n) < 0.05),
        "emission": pa.array(emission, mask=rng.random(n) < 0.15),
    })
    # pyarrow quotes header names whatever the style: the header is written by hand.
    with open(out, "wb") as f:
        f.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))


if __name__ == "__main__":
    main()
