//! Indicator formulas of firm-level evaluations (亩均效益): `+ - * /`, parentheses, unary
//! minus, numbers and column names, e.g. `tax / land_mu` or `税收 / 用地面积`.
//!
//! A column name is a run of characters other than whitespace, `+ - * / ( )` and backticks;
//! a name holding any of those is written in backticks (`` `用地面积(亩)` ``). A run that reads
//! as a decimal number (`3`, `0.5`, `1e3`) is a number. Evaluation is per row on `f64` with
//! "missing" = NaN: a missing operand, a division by zero, or any non-finite intermediate
//! result gives missing. Errors name the formula and the 1-based character position.

use std::fmt;

/// A parse error: the formula, the 1-based character position and what was wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct FormulaError {
    pub formula: String,
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A long formula is named by its start: the position says where the fault is.
        const SHOWN: usize = 80;
        let mut shown: String = self.formula.chars().take(SHOWN).collect();
        if self.formula.chars().nth(SHOWN).is_some() {
            shown.push('…');
        }
        write!(
            f,
            "formula '{shown}', character {}: {}",
            self.position, self.message
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// Push a constant.
    Const(f64),
    /// Push the value of the formula's `k`-th column (see [`Formula::columns`]).
    Col(usize),
    Neg,
    Add,
    Sub,
    Mul,
    Div,
}

/// A parsed formula in postfix order, with the distinct column names it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    pub text: String,
    pub columns: Vec<String>,
    pub ops: Vec<Op>,
    depth: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Sym(char),
}

fn is_sym(c: char) -> bool {
    matches!(c, '+' | '-' | '*' | '/' | '(' | ')')
}

fn tokens(text: &str) -> Result<Vec<(usize, Tok)>, FormulaError> {
    let err = |pos: usize, m: String| FormulaError {
        formula: text.to_string(),
        position: pos,
        message: m,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if is_sym(c) {
            out.push((i + 1, Tok::Sym(c)));
            i += 1;
        } else if c == '`' {
            let start = i;
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == '`')
                .ok_or_else(|| err(start + 1, "unclosed backtick".into()))?;
            let name: String = chars[i + 1..i + 1 + end].iter().collect();
            if name.is_empty() {
                return Err(err(start + 1, "empty column name".into()));
            }
            out.push((start + 1, Tok::Name(name)));
            i += end + 2;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !is_sym(chars[i])
                && chars[i] != '`'
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                && word
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E'));
            match word.parse::<f64>() {
                Ok(v) if numeric && v.is_finite() => out.push((start + 1, Tok::Num(v))),
                _ => out.push((start + 1, Tok::Name(word))),
            }
        }
    }
    Ok(out)
}

/// How deeply parentheses and signs may nest: far beyond any real indicator formula, and
/// low enough that the recursive descent never comes near the end of a thread's stack
/// (a formula of 10,000 `(` aborted the server before this bound).
pub const MAX_NESTING: usize = 64;

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(usize, Tok)>,
    at: usize,
    end: usize,
    /// Parentheses and unary signs open around the current position.
    nesting: usize,
    columns: Vec<String>,
    ops: Vec<Op>,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> FormulaError {
        let position = self.toks.get(self.at).map_or(self.end, |t| t.0);
        FormulaError {
            formula: self.text.to_string(),
            position,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.1)
    }

    fn expr(&mut self) -> Result<(), FormulaError> {
        self.term()?;
        while let Some(Tok::Sym(c @ ('+' | '-'))) = self.peek() {
            let op = if *c == '+' { Op::Add } else { Op::Sub };
            self.at += 1;
            self.term()?;
            self.ops.push(op);
        }
        Ok(())
    }

    fn term(&mut self) -> Result<(), FormulaError> {
        self.factor()?;
        while let Some(Tok::Sym(c @ ('*' | '/'))) = self.peek() {
            let op = if *c == '*' { Op::Mul } else { Op::Div };
            self.at += 1;
            self.factor()?;
            self.ops.push(op);
        }
        Ok(())
    }

    fn factor(&mut self) -> Result<(), FormulaError> {
        if matches!(self.peek(), Some(Tok::Sym('-' | '+' | '('))) {
            if self.nesting == MAX_NESTING {
                return Err(self.err(format!(
                    "parentheses and signs nested more than {MAX_NESTING} deep"
                )));
            }
            self.nesting += 1;
            let nested = self.nested_factor();
            self.nesting -= 1;
            return nested;
        }
        self.nested_factor()
    }

    fn nested_factor(&mut self) -> Result<(), FormulaError> {
        match self.peek().cloned() {
            Some(Tok::Sym('-')) => {
                self.at += 1;
                self.factor()?;
                self.ops.push(Op::Neg);
            }
            Some(Tok::Sym('+')) => {
                self.at += 1;
                self.factor()?;
            }
            Some(Tok::Num(v)) => {
                self.at += 1;
                self.ops.push(Op::Const(v));
            }
            Some(Tok::Name(n)) => {
                self.at += 1;
                let k = match self.columns.iter().position(|c| *c == n) {
                    Some(k) => k,
                    None => {
                        self.columns.push(n);
                        self.columns.len() - 1
                    }
                };
                self.ops.push(Op::Col(k));
            }
            Some(Tok::Sym('(')) => {
                self.at += 1;
                self.expr()?;
                match self.peek() {
                    Some(Tok::Sym(')')) => self.at += 1,
                    Some(t) => {
                        let t = describe(t);
                        return Err(self.err(format!("expected ')', found {t}")));
                    }
                    None => return Err(self.err("expected ')', found the end")),
                }
            }
            Some(t) => {
                let t = describe(&t);
                return Err(self.err(format!("expected a number, a column or '(', found {t}")));
            }
            None => return Err(self.err("expected a number, a column or '(', found the end")),
        }
        Ok(())
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("the number {v}"),
        Tok::Name(n) => format!("the column '{n}'"),
        Tok::Sym(c) => format!("'{c}'"),
    }
}

impl Formula {
    pub fn parse(text: &str) -> Result<Formula, FormulaError> {
        let toks = tokens(text)?;
        let mut p = Parser {
            text,
            toks,
            at: 0,
            end: text.chars().count() + 1,
            nesting: 0,
            columns: Vec::new(),
            ops: Vec::new(),
        };
        p.expr()?;
        if p.at < p.toks.len() {
            let t = describe(&p.toks[p.at].1);
            return Err(p.err(format!("unexpected {t} after a complete formula")));
        }
        // Stack depth needed by the postfix program.
        let (mut depth, mut max) = (0usize, 0usize);
        for op in &p.ops {
            match op {
                Op::Const(_) | Op::Col(_) => depth += 1,
                Op::Neg => {}
                _ => depth -= 1,
            }
            max = max.max(depth);
        }
        Ok(Formula {
            text: text.to_string(),
            columns: p.columns,
            ops: p.ops,
            depth: max,
        })
    }

    /// The stack depth evaluation needs.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Value for one row; `col(k)` gives the row's value of `columns[k]` (NaN = missing).
    /// `stack` is scratch space of at least [`Formula::depth`] entries.
    #[inline]
    pub fn eval_row(&self, stack: &mut [f64], col: impl Fn(usize) -> f64) -> f64 {
        let mut sp = 0;
        for op in &self.ops {
            match *op {
                Op::Const(v) => {
                    stack[sp] = v;
                    sp += 1;
                }
                Op::Col(k) => {
                    stack[sp] = col(k);
                    sp += 1;
                }
                Op::Neg => stack[sp - 1] = -stack[sp - 1],
                op => {
                    let (a, b) = (stack[sp - 2], stack[sp - 1]);
                    let v = match op {
                        Op::Add => a + b,
                        Op::Sub => a - b,
                        Op::Mul => a * b,
                        _ => a / b,
                    };
                    // x/0, overflow and NaN operands are all "missing".
                    stack[sp - 2] = if v.is_finite() { v } else { f64::NAN };
                    sp -= 1;
                }
            }
        }
        stack[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eval(f: &str, vals: &[f64]) -> f64 {
        let f = Formula::parse(f).unwrap();
        let mut s = vec![0.0; f.depth()];
        f.eval_row(&mut s, |k| vals[k])
    }

    #[test]
    fn nesting_is_bounded_instead_of_overflowing_the_stack() {
        let at_limit = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert_eq!(eval(&at_limit, &[2.0]), 2.0);
        assert_eq!(eval(&format!("{}a", "-".repeat(MAX_NESTING)), &[2.0]), 2.0);
        let deep = format!(
            "{}a{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        let e = Formula::parse(&deep).unwrap_err();
        assert_eq!(e.position, MAX_NESTING + 1, "{e}");
        assert!(e.message.contains("nested more than 64"), "{e}");
        // The message names a long formula by its start, not by all of it.
        let long = Formula::parse(&"(".repeat(1000)).unwrap_err().to_string();
        assert!(long.chars().count() < 200 && long.contains("…"), "{long}");
        // What aborted the server: 10,000 levels, run on a small stack as a worker's would be.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                for f in [
                    format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000)),
                    format!("{}税收万元", "-".repeat(10_000)),
                    format!("{}a", "+-(".repeat(5_000)),
                ] {
                    assert!(Formula::parse(&f).is_err());
                }
            })
            .unwrap();
        handle.join().expect("no stack overflow");
    }

    #[test]
    fn precedence_parentheses_unary_and_chinese_names() {
        assert_eq!(eval("税收 / 用地面积", &[30.0, 3.0]), 10.0);
        assert_eq!(eval("a + b * 2", &[1.0, 3.0]), 7.0);
        assert_eq!(eval("(a + b) * 2", &[1.0, 3.0]), 8.0);
        assert_eq!(eval("a - b - 1", &[10.0, 3.0]), 6.0);
        assert_eq!(eval("a / b / 2", &[12.0, 3.0]), 2.0);
        assert_eq!(eval("-a*-2", &[1.5]), 3.0);
        assert_eq!(eval("`用地面积(亩)` * 1e3", &[2.0]), 2000.0);
        let f = Formula::parse("tax/land_mu + tax").unwrap();
        assert_eq!(f.columns, ["tax", "land_mu"]);
        // A name may start with a digit when it is not a number.
        assert_eq!(Formula::parse("2023税收").unwrap().columns, ["2023税收"]);
    }

    #[test]
    fn missing_and_division_by_zero_are_missing() {
        assert!(eval("a / b", &[1.0, 0.0]).is_nan());
        assert!(eval("a / b", &[0.0, 0.0]).is_nan());
        assert!(eval("a / b", &[f64::NAN, 2.0]).is_nan());
        assert!(eval("a * 0", &[f64::NAN]).is_nan());
        assert!(eval("a * a", &[1e200]).is_nan());
        assert_eq!(eval("a / b", &[-6.0, 2.0]), -3.0);
    }

    #[test]
    fn errors_name_the_formula_and_position() {
        let e = Formula::parse("tax / (land_mu").unwrap_err();
        assert_eq!(e.position, 15);
        assert!(e.to_string().contains("formula 'tax / (land_mu'"), "{e}");
        assert_eq!(Formula::parse("tax //").unwrap_err().position, 6);
        assert_eq!(Formula::parse("tax land").unwrap_err().position, 5);
        assert_eq!(Formula::parse("").unwrap_err().position, 1);
        assert_eq!(Formula::parse("a * `b").unwrap_err().position, 5);
        assert_eq!(Formula::parse("税收 )").unwrap_err().position, 4);
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in "[a-c0-9+*/() .`-]{0,20}") {
            if let Ok(f) = Formula::parse(&s) {
                let mut st = vec![0.0; f.depth()];
                let _ = f.eval_row(&mut st, |_| 1.0);
            }
        }

        #[test]
        fn sums_and_products_match_f64(a in -1e6f64..1e6, b in -1e6f64..1e6, c in 1e-3f64..1e6) {
            prop_assert_eq!(eval("(a + b) * c", &[a, b, c]), (a + b) * c);
            prop_assert_eq!(eval("a - b / c", &[a, b, c]), a - b / c);
        }
    }
}
