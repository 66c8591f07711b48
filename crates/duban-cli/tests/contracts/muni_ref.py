"""Independent reference of the 亩均效益 evaluation contract (issue 12, part 2).

Written from the issue text only, Python 3 standard library only. Input: the data file's
header and rows (strings, "" = missing) and the parsed `duban.eval/1` TOML. Output: one
row per input firm, in input order: id, class, score (float or None), rank (int or None),
grade (str or None), excluded (reason or "").

Decisions where the text leaves room (also in METHODS.md, 亩均效益 section):
- median of an even count is the mean of the two middle values;
- a benchmark b <= 0 wins over "cost x <= 0 -> cap": the indicator contributes 0 in that
  class ("makes the indicator contribute 0 in that class");
- a class with no evaluated value of an indicator has no benchmark: the indicator
  contributes 0 to every firm of the class;
- excluded firms have no score either ("never scored").
"""

import math


class RefError(Exception):
    pass


# ---------------------------------------------------------------- formulas

def tokenize(formula):
    toks = []
    i = 0
    n = len(formula)
    name = []

    def flush():
        if name:
            toks.append(("name", "".join(name)))
            name.clear()

    while i < n:
        c = formula[i]
        if c in "+-*/()":
            flush()
            toks.append(("op", c))
        elif c.isspace():
            flush()
        else:
            name.append(c)
        i += 1
    flush()
    return toks


def parse_formula(formula, columns):
    """Returns an AST; names must be columns of the header (or numeric literals)."""
    toks = tokenize(formula)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        t = toks[pos]
        pos += 1
        return t

    def expr():
        node = term()
        while peek() in (("op", "+"), ("op", "-")):
            op = take()[1]
            node = (op, node, term())
        return node

    def term():
        node = unary()
        while peek() in (("op", "*"), ("op", "/")):
            op = take()[1]
            node = (op, node, unary())
        return node

    def unary():
        t = peek()
        if t == ("op", "-"):
            take()
            return ("neg", unary())
        if t == ("op", "+"):
            take()
            return unary()
        return atom()

    def atom():
        t = peek()
        if t is None:
            raise RefError("formula ends early: " + formula)
        take()
        if t == ("op", "("):
            node = expr()
            if peek() != ("op", ")"):
                raise RefError("missing ) in " + formula)
            take()
            return node
        if t[0] == "name":
            if t[1] in columns:
                return ("col", t[1])
            try:
                return ("num", float(t[1]))
            except ValueError:
                raise RefError("unknown column " + t[1])
        raise RefError("unexpected " + t[1])

    node = expr()
    if pos != len(toks):
        raise RefError("trailing tokens in " + formula)
    return node


def eval_formula(node, row):
    kind = node[0]
    if kind == "col":
        return row[node[1]]
    if kind == "num":
        return node[1]
    if kind == "neg":
        v = eval_formula(node[1], row)
        return None if v is None else -v
    a = eval_formula(node[1], row)
    b = eval_formula(node[2], row)
    if a is None or b is None:
        return None
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if b == 0:
        return None
    return a / b


# ---------------------------------------------------------------- numbers

def num(cell):
    cell = cell.strip()
    if cell == "":
        return None
    v = float(cell)
    if math.isnan(v) or math.isinf(v):
        raise RefError("not a finite number: " + cell)
    return v


def median(xs):
    s = sorted(xs)
    k = len(s)
    if k % 2 == 1:
        return s[k // 2]
    return (s[k // 2 - 1] + s[k // 2]) / 2


def grade_of(rank, n, grades):
    """A if (r-1)*100 < A*n, else B if (r-1)*100 < (A+B)*n, else C if < (A+B+C)*n, else D;
    integer arithmetic (D, the rest, is not needed)."""
    cum = 0
    for g in ("A", "B", "C"):
        cum += grades.get(g, 0)
        if (rank - 1) * 100 < cum * n:
            return g
    return "D"


# ---------------------------------------------------------------- evaluation

def evaluate(header, rows, spec):
    id_col = spec["id"]
    class_col = spec.get("class")
    method = spec["method"]
    bench = method["benchmark"]
    basis = bench["basis"]
    cap = float(bench["cap"])
    missing = bench.get("missing", "zero")
    if missing != "zero":
        raise RefError("missing = " + missing)
    grades = spec["grades"]
    columns = set(header)
    indicators = []
    for ind in spec["indicator"]:
        indicators.append(
            (
                ind["name"],
                parse_formula(ind["formula"], columns),
                ind.get("direction", "benefit"),
                float(ind["weight"]),
            )
        )
    numeric_needed = set()

    def cols_of(node):
        if node[0] == "col":
            numeric_needed.add(node[1])
        elif node[0] in ("neg",):
            cols_of(node[1])
        elif node[0] in "+-*/":
            cols_of(node[1])
            cols_of(node[2])

    for _, ast, _, _ in indicators:
        cols_of(ast)

    firms = []
    for raw in rows:
        rec = dict(zip(header, raw))
        excluded = ""
        for ex in spec.get("exclude", []):
            cell = rec[ex["column"]]
            if "below" in ex:
                v = num(cell)
                if v is not None and v < float(ex["below"]):
                    excluded = ex["reason"]
                    break
            if "in" in ex:
                if cell in ex["in"]:
                    excluded = ex["reason"]
                    break
        values = {c: num(rec[c]) for c in numeric_needed}
        xs = [eval_formula(ast, values) for _, ast, _, _ in indicators]
        firms.append(
            {
                "id": rec[id_col],
                "class": rec[class_col] if class_col else "",
                "excluded": excluded,
                "x": xs,
                "score": None,
                "rank": None,
                "grade": None,
            }
        )

    classes = {}
    for f in firms:
        if not f["excluded"]:
            classes.setdefault(f["class"], []).append(f)

    for members in classes.values():
        for k, (_, _, direction, weight) in enumerate(indicators):
            vals = [f["x"][k] for f in members if f["x"][k] is not None]
            if not vals:
                b = None
            elif basis == "mean":
                b = sum(vals) / len(vals)
            elif basis == "median":
                b = median(vals)
            elif basis == "max":
                b = max(vals)
            else:
                raise RefError("basis " + basis)
            for f in members:
                x = f["x"][k]
                if b is None or b <= 0 or x is None:
                    r = 0.0
                elif direction == "benefit":
                    r = x / b
                elif x <= 0:
                    r = cap
                else:
                    r = b / x
                r = min(max(r, 0.0), cap)
                f.setdefault("r", []).append(r)
        for f in members:
            s = 0.0
            for k, (_, _, _, weight) in enumerate(indicators):
                s += weight * f["r"][k]
            f["score"] = s
        n = len(members)
        scores = [f["score"] for f in members]
        for f in members:
            f["rank"] = 1 + sum(1 for s in scores if s > f["score"])
            f["grade"] = grade_of(f["rank"], n, grades)

    return [
        {
            "id": f["id"],
            "class": f["class"],
            "score": f["score"],
            "rank": f["rank"],
            "grade": f["grade"],
            "excluded": f["excluded"],
        }
        for f in firms
    ]
