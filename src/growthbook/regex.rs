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

use super::case::{fold, lower, upper};

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

struct Parser<'p> {
    s: &'p [char],
    i: usize,
    groups: usize,
    /// Capturing groups in the whole pattern (known after the first pass).
    total: usize,
    names: Vec<(String, usize)>,
}

type R<T> = Result<T, ()>;

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            return true;
        }
        false
    }

    fn alt(&mut self) -> R<Node> {
        let mut arms = vec![self.concat()?];
        while self.eat('|') {
            arms.push(self.concat()?);
        }
        Ok(if arms.len() == 1 { arms.pop().unwrap_or(Node::Empty) } else { Node::Alt(arms) })
    }

    fn concat(&mut self) -> R<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let quantifiable =
                !matches!(atom, Node::Start | Node::End | Node::WordBoundary(_) | Node::Look(_, _, true));
            items.push(self.quantified(atom, quantifiable)?);
        }
        Ok(Node::Concat(items))
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor; `None` (cursor unmoved) when the brace is
    /// a literal, as Annex B reads a brace that does not make a quantifier.
    fn braces(&mut self) -> Option<(u32, Option<u32>)> {
        let start = self.i;
        let number = |p: &mut Self| {
            let from = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            (p.i > from).then(|| p.s[from..p.i].iter().collect::<String>().parse::<u32>().unwrap_or(u32::MAX))
        };
        self.i += 1;
        let quantifier = number(self).and_then(|min| {
            if self.eat('}') {
                return Some((min, Some(min)));
            }
            if !self.eat(',') {
                return None;
            }
            if self.eat('}') {
                return Some((min, None));
            }
            let max = number(self)?;
            self.eat('}').then_some((min, Some(max)))
        });
        if quantifier.is_none() {
            self.i = start;
        }
        quantifier
    }

    fn quantified(&mut self, atom: Node, quantifiable: bool) -> R<Node> {
        let simple = match self.peek() {
            Some('*') => Some((0, None)),
            Some('+') => Some((1, None)),
            Some('?') => Some((0, Some(1))),
            _ => None,
        };
        let (min, max) = match simple {
            Some(q) => {
                self.i += 1;
                q
            }
            None if self.peek() == Some('{') => match self.braces() {
                Some(q) => q,
                None => return Ok(atom),
            },
            None => return Ok(atom),
        };
        if !quantifiable || max.is_some_and(|m| m < min) {
            return Err(());
        }
        let greedy = !self.eat('?');
        Ok(Node::Repeat(Box::new(atom), min, max, greedy))
    }

    fn atom(&mut self) -> R<Node> {
        let c = self.peek().ok_or(())?;
        self.i += 1;
        Ok(match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Any,
            '*' | '+' | '?' => return Err(()),
            '{' => {
                self.i -= 1;
                if self.braces().is_some() {
                    return Err(()); // a quantifier with nothing to repeat
                }
                self.i += 1;
                Node::Char('{')
            }
            '[' => Node::Class(self.class()?),
            '(' => self.group()?,
            '\\' => self.escape(false)?,
            c => Node::Char(c),
        })
    }

    fn group(&mut self) -> R<Node> {
        let node = if self.eat('?') {
            match self.peek() {
                Some(':') => {
                    self.i += 1;
                    Node::Group(Box::new(self.alt()?), None)
                }
                Some('=') | Some('!') => {
                    let negate = self.peek() == Some('!');
                    self.i += 1;
                    Node::Look(Box::new(self.alt()?), negate, false)
                }
                Some('<') if matches!(self.s.get(self.i + 1), Some('=') | Some('!')) => {
                    let negate = self.s[self.i + 1] == '!';
                    self.i += 2;
                    Node::Look(Box::new(self.alt()?), negate, true)
                }
                Some('<') => {
                    self.i += 1;
                    let from = self.i;
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii())
                    {
                        self.i += 1;
                    }
                    let name: String = self.s[from..self.i].iter().collect();
                    if name.is_empty() || !self.eat('>') {
                        return Err(());
                    }
                    self.groups += 1;
                    let n = self.groups;
                    self.names.push((name, n));
                    Node::Group(Box::new(self.alt()?), Some(n))
                }
                _ => return Err(()),
            }
        } else {
            self.groups += 1;
            let n = self.groups;
            Node::Group(Box::new(self.alt()?), Some(n))
        };
        if !self.eat(')') {
            return Err(());
        }
        Ok(node)
    }

    fn hex(&mut self, digits: usize) -> Option<char> {
        let text: String = self.s.get(self.i..self.i + digits)?.iter().collect();
        let n = u32::from_str_radix(&text, 16).ok()?;
        self.i += digits;
        char::from_u32(n)
    }

    /// After a backslash; `in_class` reads `\b` as backspace.
    fn escape(&mut self, in_class: bool) -> R<Node> {
        let c = self.peek().ok_or(())?;
        self.i += 1;
        let class = |ranges: &[(char, char)], negate: bool| Node::Class(Class { ranges: ranges.to_vec(), negate });
        Ok(match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            'b' if in_class => Node::Char('\u{8}'),
            'b' => Node::WordBoundary(true),
            'B' => Node::WordBoundary(false),
            'n' => Node::Char('\n'),
            'r' => Node::Char('\r'),
            't' => Node::Char('\t'),
            'f' => Node::Char('\u{c}'),
            'v' => Node::Char('\u{b}'),
            'x' => Node::Char(self.hex(2).unwrap_or('x')),
            'u' => Node::Char(self.hex(4).unwrap_or('u')),
            'c' => match self.peek() {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.i += 1;
                    Node::Char(char::from(l as u8 % 32))
                }
                // Annex B: `\c` before anything else is a backslash, and the `c` is read next.
                _ => {
                    self.i -= 1;
                    Node::Char('\\')
                }
            },
            'k' if !in_class && !self.names.is_empty() && self.eat('<') => {
                let from = self.i;
                while self.peek().is_some_and(|c| c != '>') {
                    self.i += 1;
                }
                let name: String = self.s[from..self.i].iter().collect();
                if !self.eat('>') {
                    return Err(());
                }
                let n = self.names.iter().find(|(k, _)| *k == name).map(|(_, n)| *n).ok_or(())?;
                Node::Backref(n)
            }
            '0'..='9' => {
                let from = self.i - 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let text: String = self.s[from..self.i].iter().collect();
                match text.parse::<usize>() {
                    Ok(n) if !in_class && n >= 1 && n <= self.total => Node::Backref(n),
                    // Annex B: otherwise a legacy octal escape (up to three digits, at most
                    // 0o377), and `\8`, `\9` stand for themselves.
                    _ => {
                        self.i = from;
                        let mut value = 0u32;
                        while self.i < from + 3 && self.peek().is_some_and(|c| ('0'..='7').contains(&c)) {
                            let next = value * 8 + (self.s[self.i] as u32 - '0' as u32);
                            if next > 0o377 {
                                break;
                            }
                            value = next;
                            self.i += 1;
                        }
                        if self.i == from {
                            self.i += 1;
                            Node::Char(c)
                        } else {
                            Node::Char(char::from_u32(value).unwrap_or('\0'))
                        }
                    }
                }
            }
            // Annex B: any other escaped character stands for itself.
            c => Node::Char(c),
        })
    }

    fn class_atom(&mut self) -> R<Result<char, Vec<(char, char)>>> {
        let c = self.peek().ok_or(())?;
        self.i += 1;
        if c != '\\' {
            return Ok(Ok(c));
        }
        Ok(match self.escape(true)? {
            Node::Char(c) => Ok(c),
            Node::Class(k) if k.negate => Err(negated(&k.ranges)),
            Node::Class(k) => Err(k.ranges),
            _ => Ok(self.s[self.i - 1]),
        })
    }

    fn class(&mut self) -> R<Class> {
        let mut k = Class { negate: self.eat('^'), ranges: Vec::new() };
        loop {
            if self.eat(']') {
                break;
            }
            let from = self.class_atom()?;
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&c| c != ']') {
                self.i += 1;
                let to = self.class_atom()?;
                match (from, to) {
                    (Ok(a), Ok(b)) if a <= b => k.ranges.push((a, b)),
                    (Ok(_), Ok(_)) => return Err(()),
                    // Annex B: a range with a class escape at either end is its parts and `-`.
                    (a, b) => {
                        for part in [a, Ok('-'), b] {
                            match part {
                                Ok(c) => k.ranges.push((c, c)),
                                Err(r) => k.ranges.extend(r),
                            }
                        }
                    }
                }
                continue;
            }
            match from {
                Ok(c) => k.ranges.push((c, c)),
                Err(r) => k.ranges.extend(r),
            }
        }
        Ok(k)
    }
}

struct Compiler {
    prog: Vec<Inst>,
    slots: usize,
    looks: Vec<(usize, Node)>,
}

impl Compiler {
    fn push(&mut self, i: Inst) -> R<usize> {
        if self.prog.len() >= MAX_PROGRAM {
            return Err(());
        }
        self.prog.push(i);
        Ok(self.prog.len() - 1)
    }

    fn patch(&mut self, at: usize, target: usize) {
        match &mut self.prog[at] {
            Inst::Split(_, y) => *y = target,
            Inst::Jmp(t) => *t = target,
            _ => {}
        }
    }

    fn node(&mut self, n: &Node) -> R<()> {
        match n {
            Node::Empty => {}
            Node::Char(c) => drop(self.push(Inst::Char(*c))?),
            Node::Any => drop(self.push(Inst::Any)?),
            Node::Class(k) => drop(self.push(Inst::Class(Box::new(k.clone())))?),
            Node::Start => drop(self.push(Inst::Start)?),
            Node::End => drop(self.push(Inst::End)?),
            Node::WordBoundary(b) => drop(self.push(Inst::WordBoundary(*b))?),
            Node::Backref(g) => drop(self.push(Inst::Backref(*g))?),
            Node::Group(inner, None) => self.node(inner)?,
            Node::Group(inner, Some(g)) => {
                self.push(Inst::Save(2 * g))?;
                self.node(inner)?;
                self.push(Inst::Save(2 * g + 1))?;
            }
            Node::Look(inner, negate, behind) => {
                // Compiled after the main program; the start is patched in `compile`.
                let at = self.push(Inst::Look { start: 0, negate: *negate, behind: *behind })?;
                self.looks.push((at, (**inner).clone()));
            }
            Node::Concat(items) => items.iter().try_for_each(|i| self.node(i))?,
            Node::Alt(arms) => {
                let mut jumps = Vec::new();
                for (k, arm) in arms.iter().enumerate() {
                    if k + 1 < arms.len() {
                        let split = self.push(Inst::Split(self.prog.len() + 1, 0))?;
                        self.node(arm)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.patch(split, next);
                    } else {
                        self.node(arm)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.patch(j, end);
                }
            }
            Node::Repeat(inner, min, max, greedy) => {
                for _ in 0..*min {
                    self.node(inner)?;
                }
                let split = |x: usize, y: usize| if *greedy { Inst::Split(x, y) } else { Inst::Split(y, x) };
                match max {
                    None => {
                        // loop: split(body, out); mark; body; progress; jmp loop
                        let mark = self.slots;
                        self.slots += 1;
                        let top = self.push(split(0, 0))?;
                        self.push(Inst::Save(mark))?;
                        self.node(inner)?;
                        self.push(Inst::Progress(mark))?;
                        self.push(Inst::Jmp(top))?;
                        let out = self.prog.len();
                        self.prog[top] = split(top + 1, out);
                    }
                    Some(max) => {
                        let mut exits = Vec::new();
                        for _ in *min..*max {
                            exits.push(self.push(split(0, 0))?);
                            self.node(inner)?;
                        }
                        let out = self.prog.len();
                        for e in exits {
                            self.prog[e] = split(e + 1, out);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Regex {
    /// Compiles a JavaScript pattern; `None` where JavaScript would throw a SyntaxError
    /// (GrowthBook then tests false), or the pattern is too large.
    pub fn new(pattern: &str, fold_case: bool) -> Option<Regex> {
        let chars: Vec<char> = pattern.chars().collect();
        // A pre-pass learns the group names, so `\k<name>` can refer forward.
        let mut p = Parser { s: &chars, i: 0, groups: 0, total: usize::MAX, names: Vec::new() };
        p.alt().ok()?;
        let (names, total) = (std::mem::take(&mut p.names), p.groups);
        let mut p = Parser { s: &chars, i: 0, groups: 0, total, names };
        let ast = p.alt().ok()?;
        if p.i != chars.len() {
            return None; // an unmatched `)`
        }
        let groups = p.groups;
        let mut c = Compiler { prog: Vec::new(), slots: 2 * (groups + 1), looks: Vec::new() };
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

struct Matcher<'m> {
    re: &'m Regex,
    s: &'m [char],
    steps: u32,
    slots: Vec<usize>,
}

enum Frame {
    Try(usize, usize),
    Restore(usize, usize),
}

impl Matcher<'_> {
    fn same(&self, a: char, b: char) -> bool {
        a == b || (self.re.fold && fold(a) == fold(b))
    }

    fn class(&self, k: &Class, c: char) -> bool {
        let hit = |c: char| k.ranges.iter().any(|&(a, b)| a <= c && c <= b);
        // Under `i`, a member matches in either case.
        let found = hit(c) || (self.re.fold && (hit(upper(c)) || hit(lower(c))));
        found != k.negate
    }

    fn word(&self, i: usize) -> bool {
        i < self.s.len() && WORD.iter().any(|&(a, b)| a <= self.s[i] && self.s[i] <= b)
    }

    /// Runs from instruction `pc` at position `pos`; the end position of a match, if any.
    /// `end` requires the match to end exactly there (lookbehind).
    fn run(&mut self, pc: usize, pos: usize, end: Option<usize>) -> Option<usize> {
        let mut stack = vec![Frame::Try(pc, pos)];
        while let Some(frame) = stack.pop() {
            let (mut pc, mut pos) = match frame {
                Frame::Try(pc, pos) => (pc, pos),
                Frame::Restore(slot, old) => {
                    self.slots[slot] = old;
                    continue;
                }
            };
            loop {
                self.steps += 1;
                if self.steps > STEP_BUDGET {
                    return None;
                }
                let c = self.s.get(pos).copied();
                match &self.re.prog[pc] {
                    Inst::Char(x) if c.is_some_and(|c| self.same(c, *x)) => pos += 1,
                    Inst::Any if c.is_some_and(|c| !line_terminator(c)) => pos += 1,
                    Inst::Class(k) if c.is_some_and(|c| self.class(k, c)) => pos += 1,
                    Inst::Start if pos == 0 => {}
                    Inst::End if pos == self.s.len() => {}
                    Inst::WordBoundary(b) if ((pos > 0 && self.word(pos - 1)) != self.word(pos)) == *b => {}
                    Inst::Split(x, y) => {
                        stack.push(Frame::Try(*y, pos));
                        pc = *x;
                        continue;
                    }
                    Inst::Jmp(t) => {
                        pc = *t;
                        continue;
                    }
                    Inst::Save(slot) => {
                        stack.push(Frame::Restore(*slot, self.slots[*slot]));
                        self.slots[*slot] = pos;
                    }
                    Inst::Progress(slot) if self.slots[*slot] != pos => {}
                    Inst::Backref(g) => {
                        let (a, b) = (self.slots[2 * g], self.slots[2 * g + 1]);
                        if a != usize::MAX && b != usize::MAX && a <= b {
                            let len = b - a;
                            let ok = pos + len <= self.s.len()
                                && (0..len).all(|k| self.same(self.s[pos + k], self.s[a + k]));
                            if !ok {
                                break;
                            }
                            pos += len;
                        }
                    }
                    Inst::Look { start, negate, behind } => {
                        let (start, negate, behind) = (*start, *negate, *behind);
                        let found = if behind {
                            (0..=pos).rev().any(|from| self.run(start, from, Some(pos)).is_some())
                        } else {
                            self.run(start, pos, None).is_some()
                        };
                        if found == negate {
                            break;
                        }
                    }
                    Inst::Match if end.is_none_or(|e| e == pos) => return Some(pos),
                    _ => break,
                }
                pc += 1;
            }
        }
        None
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
    fn exponential_backtracking_stops_at_the_budget() {
        let re = Regex::new("^(a+)+$", false).unwrap();
        let evil = format!("{}!", "a".repeat(40));
        assert!(!re.is_match(&evil), "gives up and tests false instead of running for years");
        assert!(re.is_match(&"a".repeat(40)));
    }
}
