//! 示例数据 for the 亩均效益 pages: `n` invented firms of one county as CSV, in the columns of
//! `data/demo/muni/spec.toml` (the shapes of `data/demo/muni/make_demo.py`, here seeded with
//! ChaCha so a seed gives the same file on every machine). Realistic shapes: lognormal firm
//! sizes, zero taxes (start-ups, losses), missing emissions (firms outside the pollutant
//! survey), leased land (`其中租赁亩`, part of `用地面积亩`), exempt industries (批发零售, 住宿餐饮,
//! 金融, 房地产: listed, never scored), 规上/规下 firms, a few safety accidents and environmental
//! penalties, 高新技术企业. Firm names are `示例企业NNNNN`: never real firms or figures.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const HEADER: [&str; 18] = [
    "企业代码",
    "企业名称",
    "乡镇街道",
    "行业",
    "规模",
    "用地面积亩",
    "其中租赁亩",
    "税收万元",
    "增加值万元",
    "营业收入万元",
    "研发经费万元",
    "综合能耗吨标煤",
    "排放当量吨",
    "用电量万千瓦时",
    "年均职工人数",
    "安全生产事故",
    "环保处罚",
    "高新技术企业",
];

const TOWNS: [&str; 7] = [
    "城关街道",
    "东城街道",
    "西湖镇",
    "临江镇",
    "新塘镇",
    "白石乡",
    "经济开发区",
];

/// Industries with their weights; the last four are exempt in the demo scheme.
const INDUSTRIES: [(&str, u32); 12] = [
    ("通用设备制造业", 14),
    ("纺织业", 10),
    ("化学原料和化学制品制造业", 6),
    ("电气机械和器材制造业", 10),
    ("金属制品业", 12),
    ("汽车制造业", 5),
    ("计算机通信电子设备制造业", 7),
    ("软件和信息技术服务业", 6),
    ("批发零售业", 12),
    ("住宿餐饮业", 8),
    ("金融业", 3),
    ("房地产开发", 3),
];

/// At most this many firms per generated file.
pub const MAX_FIRMS: usize = 200_000;

/// A lognormal draw (Box–Muller on two uniforms).
fn lognormal(rng: &mut ChaCha8Rng, mu: f64, sigma: f64) -> f64 {
    let u1: f64 = 1.0 - rng.r#gen::<f64>();
    let u2: f64 = rng.r#gen();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (mu + sigma * z).exp()
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// `n` firms (1 ..= [`MAX_FIRMS`]) as CSV text with a header row, from `seed`.
pub fn demo_firms_csv(n: usize, seed: u64) -> String {
    let n = n.clamp(1, MAX_FIRMS);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total: u32 = INDUSTRIES.iter().map(|(_, w)| w).sum();
    let mut out = String::with_capacity(n * 160);
    out.push_str(&HEADER.join(","));
    out.push('\n');
    for k in 0..n {
        let mut pick = rng.gen_range(0..total);
        let industry = INDUSTRIES
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|(name, _)| *name)
            .expect("weights cover the range");
        let size = lognormal(&mut rng, 0.0, 1.1);
        let above = size > 1.0;
        let land = round(lognormal(&mut rng, 2.6, 0.9) * (0.4 + size), 2);
        let leased = if rng.r#gen::<f64>() < 0.25 {
            round(land * rng.gen_range(0.2..1.0), 2)
        } else {
            0.0
        };
        let mut tax = round(land * lognormal(&mut rng, 2.2, 0.8), 1);
        if rng.r#gen::<f64>() < 0.07 {
            tax = 0.0;
        }
        let va = round(tax.max(1.0) * lognormal(&mut rng, 1.4, 0.5) + land * 4.0, 1);
        let revenue = round(va * lognormal(&mut rng, 1.3, 0.3), 1);
        let rnd = round(revenue * rng.gen_range(0.0..0.06), 1);
        let energy = round(va * lognormal(&mut rng, -1.6, 0.6), 2);
        let emission = if rng.r#gen::<f64>() < 0.2 {
            String::new()
        } else {
            round(energy * lognormal(&mut rng, -2.0, 0.7), 3).to_string()
        };
        let power = round(energy * lognormal(&mut rng, 0.9, 0.3), 2);
        let staff = ((lognormal(&mut rng, 3.0, 0.9) * (0.5 + size)) as i64).max(3);
        let accident = (rng.r#gen::<f64>() < 0.01) as u8;
        let penalty = (rng.r#gen::<f64>() < 0.02) as u8;
        let hightech = if rng.r#gen::<f64>() < 0.12 { "是" } else { "" };
        let town = TOWNS[rng.gen_range(0..TOWNS.len())];
        out.push_str(&format!(
            "91339{n:06},示例企业{n:05},{town},{industry},{},{land},{leased},{tax},{va},{revenue},{rnd},{energy},{emission},{power},{staff},{accident},{penalty},{hightech}\n",
            if above { "规上" } else { "规下" },
            n = k + 1,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_realistic_and_labelled() {
        let a = demo_firms_csv(5000, 7);
        assert_eq!(a, demo_firms_csv(5000, 7), "a seed gives the same file");
        assert_ne!(a, demo_firms_csv(5000, 8));
        let rows: Vec<Vec<&str>> = a.lines().skip(1).map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 5000);
        assert!(
            rows.iter()
                .all(|r| r.len() == HEADER.len() && r[1].starts_with("示例企业"))
        );
        let share = |f: &dyn Fn(&Vec<&str>) -> bool| {
            rows.iter().filter(|r| f(r)).count() as f64 / rows.len() as f64
        };
        let zero_tax = share(&|r| r[7] == "0");
        let no_emission = share(&|r| r[12].is_empty());
        let leased = share(&|r| r[6] != "0");
        let exempt =
            share(&|r| ["批发零售业", "住宿餐饮业", "金融业", "房地产开发"].contains(&r[3]));
        let above = share(&|r| r[4] == "规上");
        assert!((0.04..0.10).contains(&zero_tax), "{zero_tax}");
        assert!((0.15..0.25).contains(&no_emission), "{no_emission}");
        assert!((0.20..0.30).contains(&leased), "{leased}");
        assert!((0.18..0.34).contains(&exempt), "{exempt}");
        assert!((0.3..0.5).contains(&above), "{above}");
        // Leased land is part of the land; sizes are skewed (mean well above median).
        for r in &rows {
            assert!(r[6].parse::<f64>().unwrap() <= r[5].parse::<f64>().unwrap());
        }
        let mut land: Vec<f64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
        land.sort_by(f64::total_cmp);
        let mean = land.iter().sum::<f64>() / land.len() as f64;
        assert!(
            mean > 1.3 * land[land.len() / 2],
            "lognormal: {mean} vs {}",
            land[land.len() / 2]
        );
    }
}
