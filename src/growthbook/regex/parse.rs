//! Parsing a JavaScript pattern (non-Unicode mode, with Annex B's lenient escapes and
//! braces) into the [`Node`] tree.

use super::{negated, Class, Node, DIGIT, SPACE, WORD};

pub(super) struct Parser<'p> {
    pub(super) s: &'p [char],
    pub(super) i: usize,
    pub(super) groups: usize,
    /// Capturing groups in the whole pattern (known after the first pass).
    pub(super) total: usize,
    pub(super) names: Vec<(String, usize)>,
    /// Groups open around the cursor.
    pub(super) depth: usize,
}

/// Deepest group nesting accepted. Parsing and compiling recurse once per level, and a
/// 4 KB pattern of parentheses would otherwise run the wasm stack out; real patterns nest
/// a few levels.
pub(super) const MAX_NESTING: usize = 32;

pub(super) type R<T> = Result<T, ()>;

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

    pub(super) fn alt(&mut self) -> R<Node> {
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
        if self.depth >= MAX_NESTING {
            return Err(());
        }
        self.depth += 1;
        let node = self.group_body();
        self.depth -= 1;
        node
    }

    fn group_body(&mut self) -> R<Node> {
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
