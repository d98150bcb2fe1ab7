//! Running the program: a backtracking machine with an explicit stack (nesting costs no
//! call stack), an undo log for captures, and the step budget.

use super::super::case::{fold, lower, upper};
use super::{line_terminator, Class, Inst, Regex, STEP_BUDGET, WORD};

pub(super) struct Matcher<'m> {
    pub(super) re: &'m Regex,
    pub(super) s: &'m [char],
    pub(super) steps: u32,
    pub(super) slots: Vec<usize>,
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
    pub(super) fn run(&mut self, pc: usize, pos: usize, end: Option<usize>) -> Option<usize> {
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
