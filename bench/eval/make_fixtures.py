"""Compute peer test vectors for duban's evaluation engine.

Runs pymcdm, scikit-criteria and pyrepo-mcda (and numpy/scipy for ranks) on small matrices and
writes data/fixtures/eval/peers.json. crates/duban-engine/tests/peers.rs checks the engine
against every case: to 1e-12 where the peers agree, and against the documented decision where
they do not (see crates/duban-engine/METHODS.md).

    bench/eval/.venv/bin/python bench/eval/make_fixtures.py
"""

import json
import pathlib
import sys
from importlib.metadata import version

import numpy as np
import scipy.stats
from pymcdm import methods as pm
from pymcdm import normalizations as pmn
from pymcdm import weights as pmw
from pyrepo_mcda import normalizations as prn
from pyrepo_mcda import weighting_methods as prw
from pyrepo_mcda.mcda_methods import TOPSIS as PrTOPSIS
import skcriteria as skc
from skcriteria.preprocessing import scalers as sks
from skcriteria.preprocessing import weighters as skw
from skcriteria.agg import similarity as sksim

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "fixtures" / "eval" / "peers.json"
TOL = 1e-12


def agree(results):
    vals = [np.asarray(v, dtype=float) for v in results.values()]
    return all(np.allclose(vals[0], v, rtol=TOL, atol=TOL) for v in vals[1:])


def lst(a):
    # JSON has no NaN: a peer's NaN is written as null.
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def pm_norm(fn, X, types):
    return np.column_stack([fn(X[:, j], cost=types[j] == -1) for j in range(X.shape[1])])


def sk_topsis(X, w, types, scaler):
    dm = skc.mkdm(X, objectives=[max if t == 1 else min for t in types], weights=w)
    dm = scaler.transform(dm)
    r = sksim.TOPSIS().evaluate(dm)
    return r.e_.similarity


cases = []
refusals = {}


def attempt(name, peer, fn):
    try:
        return fn()
    except Exception as e:  # a peer refusing the data is a finding, recorded in the fixture
        refusals.setdefault(name, {})[peer] = f"{type(e).__name__}: {e}"
        return None


def case(name, X, types, w, what, results, note=""):
    cases.append(
        {
            "name": name,
            "what": what,
            "matrix": [lst(r) for r in X],
            "types": [int(t) for t in types],
            "weights": lst(w) if w is not None else None,
            "peers": {k: lst(v) for k, v in results.items() if v is not None},
            "refused": refusals.get(name, {}),
            "peers_agree": bool(agree({k: v for k, v in results.items() if v is not None})),
            "note": note,
        }
    )


# 1. Hwang & Yoon (1981), fighter-aircraft example: vector-normalised TOPSIS.
HY = np.array(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ],
    dtype=float,
)
HYt = np.array([1, 1, 1, -1, 1, 1])
HYw = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.3])
case(
    "hwang_yoon_topsis_vector",
    HY,
    HYt,
    HYw,
    "topsis_vector",
    {
        "pymcdm": pm.TOPSIS(normalization_function=pmn.vector_normalization)(HY, HYw, HYt),
        "pyrepo_mcda": PrTOPSIS(normalization_method=prn.vector_normalization)(HY, HYw, HYt),
        "scikit_criteria": sk_topsis(HY, HYw, HYt, sks.VectorScaler(target="matrix")),
    },
)

rng = np.random.default_rng(20261127)
R = rng.uniform(1.0, 100.0, size=(15, 5))
Rt = np.array([1, -1, 1, 1, -1])
Rw = np.array([0.3, 0.2, 0.2, 0.15, 0.15])

# 2. TOPSIS with min-max normalisation (pymcdm's and pyrepo's default).
case(
    "topsis_minmax",
    R,
    Rt,
    Rw,
    "topsis_minmax",
    {
        "pymcdm": pm.TOPSIS()(R, Rw, Rt),
        "pyrepo_mcda": PrTOPSIS()(R, Rw, Rt),
        "scikit_criteria": sk_topsis(R, Rw, Rt, sks.MinMaxScaler(target="matrix")),
    },
)
# Default normalisation disagreement on the same data: vector (Hwang & Yoon, ours) vs min-max.
case(
    "topsis_default_normalisation",
    R,
    Rt,
    Rw,
    "topsis_vector",
    {"pymcdm_default_minmax": pm.TOPSIS()(R, Rw, Rt), "pyrepo_vector": PrTOPSIS(normalization_method=prn.vector_normalization)(R, Rw, Rt)},
    "peers' defaults differ (pymcdm/pyrepo min-max, Hwang & Yoon vector); duban defaults to vector and names it",
)

# 3. Directed min-max, then weighted sum.
mm_pm = pm_norm(pmn.minmax_normalization, R, Rt)
mm_pr = prn.minmax_normalization(R, Rt)
case("minmax_directed", R, Rt, None, "minmax", {"pymcdm": mm_pm, "pyrepo_mcda": mm_pr})
case("minmax_weighted_sum", R, Rt, Rw, "minmax_sum", {"pymcdm": mm_pm @ Rw, "pyrepo_mcda": mm_pr @ Rw})

# 4. Vector normalisation (cost: 1 - x/||x||).
case(
    "vector_directed",
    R,
    Rt,
    None,
    "vector",
    {"pymcdm": pm_norm(pmn.vector_normalization, R, Rt), "pyrepo_mcda": prn.vector_normalization(R, Rt)},
)

# 5. Entropy weights on positive raw data.
case(
    "entropy_raw_positive",
    R,
    Rt,
    None,
    "entropy_raw",
    {"pymcdm": pmw.entropy_weights(R), "pyrepo_mcda": prw.entropy_weighting(R), "scikit_criteria": skw.entropy_weights(R)},
)

# 6. Entropy weights with zeros: pymcdm sets the entropy of a column with a zero to 0.
Z = R.copy()
Z[[0, 3], 1] = 0.0
Z[5, 3] = 0.0
case(
    "entropy_raw_zeros",
    Z,
    Rt,
    None,
    "entropy_raw",
    {
        "pymcdm": attempt("entropy_raw_zeros", "pymcdm", lambda: pmw.entropy_weights(Z)),
        "pyrepo_mcda": prw.entropy_weighting(Z),
        "scikit_criteria": skw.entropy_weights(Z),
    },
    "0·ln 0 = 0 (pyrepo, scikit-criteria, duban); pymcdm refuses zeros",
)
# Negative data: pyrepo takes |p|, scikit-criteria gives NaN or an error; duban shifts the column.
N = R.copy()
N[2, 0] = -5.0
case(
    "entropy_raw_negative",
    N,
    Rt,
    None,
    "entropy_raw_shifted",
    {
        "pyrepo_mcda_abs": prw.entropy_weighting(N),
        "scikit_criteria": attempt("entropy_raw_negative", "scikit_criteria", lambda: skw.entropy_weights(N)),
        "pymcdm": attempt("entropy_raw_negative", "pymcdm", lambda: pmw.entropy_weights(N)),
    },
    "duban shifts a column with negatives so its minimum is 0 (flagged); pyrepo takes |p|",
)

# 7. CRITIC on benefit-only data (direction then does not matter): ddof differs.
Rb = np.array([1, 1, 1, 1, 1])
case(
    "critic_ddof1",
    R,
    Rb,
    None,
    "critic_ddof1",
    {"pymcdm": pmw.critic_weights(R)},
)
case(
    "critic_ddof0",
    R,
    Rb,
    None,
    "critic_ddof0",
    {"pyrepo_mcda": prw.critic_weighting(R), "scikit_criteria": skw.critic_weights(R, objectives=[1] * 5)},
)
# CRITIC with cost indicators: scikit-criteria reverses them (as duban does), pymcdm/pyrepo do not.
case(
    "critic_direction",
    R,
    Rt,
    None,
    "critic_ddof0",
    {"scikit_criteria": skw.critic_weights(R, objectives=[1 if t == 1 else -1 for t in Rt])},
    "duban reverses cost indicators before correlating (scikit-criteria too); pymcdm and pyrepo ignore direction",
)

# 8. Ranks with ties (scipy.stats.rankdata on negated scores).
S = np.array([0.9, 0.5, 0.9, 0.1, 0.5, 0.7])
for method in ("min", "average", "dense"):
    case(f"rank_{method}", S.reshape(-1, 1), [1], None, f"rank_{method}", {"scipy": scipy.stats.rankdata(-S, method=method)})

# 9. z-score: numpy ddof 1 (duban's default, like R's sd) vs ddof 0.
for ddof in (0, 1):
    case(
        f"zscore_ddof{ddof}",
        R,
        Rt,
        None,
        f"zscore_ddof{ddof}",
        {"numpy": np.column_stack([(R[:, j] - R[:, j].mean()) / R[:, j].std(ddof=ddof) * (1 if Rt[j] == 1 else -1) for j in range(5)])},
    )

meta = {
    "generator": "bench/eval/make_fixtures.py",
    "python": sys.version.split()[0],
    "versions": {p: version(p) for p in ("numpy", "scipy", "pymcdm", "pyrepo-mcda", "scikit-criteria")},
    "tolerance": TOL,
    "cases": cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
for c in cases:
    print(f"{c['name']:32} agree={c['peers_agree']}")
