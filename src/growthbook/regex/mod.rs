//! A small backtracking matcher for the JavaScript regular expressions of `$regex`
//! conditions.
//!
//! Why not a crate: `regex-lite` added 25 KB (gzipped) to a module with a 200 KB budget,
//! and neither it nor `regex` speaks JavaScript's syntax (lookaround, backreferences,
//! Annex B's lenient escapes and braces). This one parses that syntax and matches the way
//! JavaScript does (backtracking, leftmost alternative first), which is all `test` needs.
//!
//! Two deliberate limits, both documented for shop engineers: every `test` has a budget
//! of [`STEP_BUDGET`] steps (a pattern that would backtrack exponentially on some value
//! tests false instead of stalling the page), and matching runs over Unicode scalar
//! values rather than UTF-16 code units, which differs from JavaScript only for `.` and
//! classes meeting characters beyond the Basic Multilingual Plane. The `i` flag folds case
//! with [`super::case::fold`].

mod compile;
mod matcher;
mod parse;

use compile::Compiler;
use matcher::Matcher;
use parse::Parser;

/// Most backtracking steps one `test` may take.
pub const STEP_BUDGET: u32 = 100_000;

/// Most instructions a pattern may compile to (counted repetitions are expanded).
const MAX_PROGRAM: usize = 10_000;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    prog: Vec<Inst>,
    fold: bool,
    slots: usize,
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class(Box<Class>),
    Start,
    End,
    WordBoundary(bool),
    /// Try `x` first, then `y`.
    Split(usize, usize),
    Jmp(usize),
    /// Record the position in a slot (captures and loop marks).
    Save(usize),
    /// Fail when the position equals the slot's (a loop iteration that matched nothing).
    Progress(usize),
    Backref(usize),
    /// Run the sub-program at `start` (ending in `Match`) here; `behind` matches it ending
    /// at the current position instead of starting there.
    Look {
        start: usize,
        negate: bool,
        behind: bool,
    },
    Match,
}

#[derive(Debug, Clone, Default)]
struct Class {
    ranges: Vec<(char, char)>,
    negate: bool,
}

#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class(Class),
    Start,
    End,
    WordBoundary(bool),
    Group(Box<Node>, Option<usize>),
    Look(Box<Node>, bool, bool),
    Backref(usize),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>, bool),
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
/// JavaScript's WhiteSpace and LineTerminator.
const SPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];

fn line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn negated(ranges: &[(char, char)]) -> Vec<(char, char)> {
    let mut out = Vec::new();
    let mut next = 0u32;
    for &(a, b) in ranges {
        if (a as u32) > next {
            out.push((char::from_u32(next).unwrap_or('\0'), char::from_u32(a as u32 - 1).unwrap_or('\0')));
        }
        next = b as u32 + 1;
    }
    if next <= 0x10ffff {
        out.push((char::from_u32(next).unwrap_or('\u{e000}'), '\u{10ffff}'));
    }
    out
}

impl Regex {
    /// Compiles a JavaScript pattern; `None` where JavaScript would throw a SyntaxError
    /// (GrowthBook then tests false), or the pattern is too large.
    pub fn new(pattern: &str, fold_case: bool) -> Option<Regex> {
        let chars: Vec<char> = pattern.chars().collect();
        // A pre-pass learns the group names, so `\k<name>` can refer forward.
        let mut p = Parser { s: &chars, i: 0, groups: 0, total: usize::MAX, names: Vec::new(), depth: 0 };
        p.alt().ok()?;
        let (names, total) = (std::mem::take(&mut p.names), p.groups);
        let mut p = Parser { s: &chars, i: 0, groups: 0, total, names, depth: 0 };
        let ast = p.alt().ok()?;
        if p.i != chars.len() {
            return None; // an unmatched `)`
        }
        let groups = p.groups;
        let mut c = Compiler { prog: Vec::new(), slots: 2 * (groups + 1), looks: Vec::new(), budget: MAX_PROGRAM };
        c.node(&ast).ok()?;
        c.push(Inst::Match).ok()?;
        while let Some((at, inner)) = c.looks.pop() {
            let start = c.prog.len();
            if let Inst::Look { start: s, .. } = &mut c.prog[at] {
                *s = start;
            }
            c.node(&inner).ok()?;
            c.push(Inst::Match).ok()?;
        }
        Some(Regex { prog: c.prog, fold: fold_case, slots: c.slots })
    }

    /// Whether the pattern matches anywhere in `text` (`RegExp.prototype.test`).
    pub fn is_match(&self, text: &str) -> bool {
        let s: Vec<char> = text.chars().collect();
        let mut m = Matcher { re: self, s: &s, steps: 0, slots: vec![usize::MAX; self.slots] };
        (0..=s.len()).any(|start| m.steps < STEP_BUDGET && m.run(0, start, None).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(p, false).unwrap_or_else(|| panic!("{p} compiles")).is_match(s)
    }

    #[test]
    fn matches_like_javascript() {
        let yes = [
            ("-12-25$", "1980-12-25"),
            ("(Mobile|Tablet)", "Android Mobile Browser"),
            ("^ping", "pingpong"),
            ("a{2,3}", "caaat"),
            ("^a{2}$", "aa"),
            ("colou?r", "color"),
            ("x{", "x{"),
            ("[a-c]+d", "zzabcd"),
            ("[^0-9]", "12a"),
            (r"\d{3}-\d{4}", "call 555-1234"),
            (r"\bcat\b", "a cat sat"),
            (r"(\w)\1", "hello"),
            (r"(?<l>\w)\k<l>", "hello"),
            ("a(?=b)", "ab"),
            ("a(?!b)", "ac"),
            ("(?<=\\$)\\d+", "cost $40"),
            ("(?<!\\$)\\b\\d+", "cost 40"),
            ("(a*)*b", "aaab"),
            ("^(?:a|ab)c$", "abc"),
            (r"[\w-]+@", "first-name@"),
            ("", "anything"),
        ];
        for (p, s) in yes {
            assert!(m(p, s), "{p} should match {s:?}");
        }
        let no = [
            ("^ping", "a ping"),
            ("^a{2}$", "aaa"),
            ("a(?=b)", "ac"),
            (r"\bcat\b", "concat"),
            ("(?<=\\$)\\d+", "cost 40"),
            (".", "\n"),
        ];
        for (p, s) in no {
            assert!(!m(p, s), "{p} should not match {s:?}");
        }
    }

    #[test]
    fn refuses_what_javascript_refuses() {
        for p in ["/???***[)", "*a", "a**", "(a", "a)", "[b-a]", "a{3,1}", "(?<n>a", "^*", "a{2}{3}", r"\k<x>(?<y>a)"] {
            assert!(Regex::new(p, false).is_none(), "{p} should not compile");
        }
        // Annex B: a number beyond the groups is an octal escape, `\8` is an 8.
        assert!(m(r"(a)\2", "a\u{2}") && m(r"\101", "A") && m(r"\8", "8") && m(r"[\1]", "\u{1}"));
    }

    #[test]
    fn folds_case_with_the_i_flag() {
        let re = Regex::new("(mobile|tablet)", true).unwrap();
        assert!(re.is_match("Android MOBILE"));
        assert!(Regex::new("[a-z]+é", true).unwrap().is_match("ZÜRICH CAFÉ"));
        assert!(!Regex::new("(mobile|tablet)", false).unwrap().is_match("MOBILE"));
    }

    #[test]
    fn hostile_patterns_fail_to_compile_instead_of_exhausting_the_stack_or_the_clock() {
        let deep = format!("{}a{}", "(".repeat(2000), ")".repeat(2000));
        assert!(Regex::new(&deep, false).is_none());
        let nested = format!("{}a{}", "(?:".repeat(30), ")".repeat(30));
        assert!(Regex::new(&nested, false).is_some(), "real nesting is fine");
        let started = std::time::Instant::now();
        assert!(Regex::new("(?:){4000000000}", false).is_none());
        assert!(Regex::new("(?:a{1000}){1000}", false).is_none(), "expansion over the program limit");
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn exponential_backtracking_stops_at_the_budget() {
        let re = Regex::new("^(a+)+$", false).unwrap();
        let evil = format!("{}!", "a".repeat(40));
        assert!(!re.is_match(&evil), "gives up and tests false instead of running for years");
        assert!(re.is_match(&"a".repeat(40)));
    }
}
