"""示例数据: one county's firms for the 亩均效益 demo (not real firms, not real figures).

Seeded and standard-library only, so `python3 make_demo.py` rewrites firms.csv byte for byte.
Realistic shapes: lognormal firm sizes, zero taxes (start-ups, losses), missing emissions
(firms outside the pollutant survey), leased land (租赁用地, part of the land used), exempt
industries (批发零售, 住宿餐饮, 金融, 房地产: listed, never scored), 规上/规下 firms, a few
safety accidents and environmental penalties, 高新技术企业.
"""
import csv
import random

SEED = 27
N = 1200
TOWNS = ["城关街道", "东城街道", "西湖镇", "临江镇", "新塘镇", "白石乡", "经济开发区"]
INDUSTRIES = [("通用设备制造业", 14), ("纺织业", 10), ("化学原料和化学制品制造业", 6),
              ("电气机械和器材制造业", 10), ("金属制品业", 12), ("汽车制造业", 5),
              ("计算机通信电子设备制造业", 7), ("软件和信息技术服务业", 6),
              ("批发零售业", 12), ("住宿餐饮业", 8), ("金融业", 3), ("房地产开发", 3)]
HEADER = ["企业代码", "企业名称", "乡镇街道", "行业", "规模", "用地面积亩", "其中租赁亩",
          "税收万元", "增加值万元", "营业收入万元", "研发经费万元", "综合能耗吨标煤",
          "排放当量吨", "用电量万千瓦时", "年均职工人数", "安全生产事故", "环保处罚",
          "高新技术企业"]


def main():
    rng = random.Random(SEED)
    names, weights = zip(*INDUSTRIES)
    rows = []
    for k in range(N):
        industry = rng.choices(names, weights)[0]
        size = rng.lognormvariate(0.0, 1.1)
        above = size > 1.0  # 规上: about 40 %
        land = round(rng.lognormvariate(2.6, 0.9) * (0.4 + size), 2)
        leased = round(land * rng.uniform(0.2, 1.0), 2) if rng.random() < 0.25 else 0.0
        tax = round(land * rng.lognormvariate(2.2, 0.8), 1)
        if rng.random() < 0.07:
            tax = 0.0
        va = round(max(tax, 1.0) * rng.lognormvariate(1.4, 0.5) + land * 4, 1)
        revenue = round(va * rng.lognormvariate(1.3, 0.3), 1)
        rnd = round(revenue * rng.uniform(0.0, 0.06), 1)
        energy = round(va * rng.lognormvariate(-1.6, 0.6), 2)
        emission = "" if rng.random() < 0.2 else round(energy * rng.lognormvariate(-2.0, 0.7), 3)
        power = round(energy * rng.lognormvariate(0.9, 0.3), 2)
        staff = max(3, int(rng.lognormvariate(3.0, 0.9) * (0.5 + size)))
        accident = 1 if rng.random() < 0.01 else 0
        penalty = 1 if rng.random() < 0.02 else 0
        hightech = "是" if rng.random() < 0.12 else ""
        rows.append([f"91330{k:06d}", f"示例企业{k + 1:04d}", rng.choice(TOWNS), industry,
                     "规上" if above else "规下", land, leased, tax, va, revenue, rnd, energy,
                     emission, power, staff, accident, penalty, hightech])
    with open("firms.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)


if __name__ == "__main__":
    main()
