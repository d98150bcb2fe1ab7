//! Compiling the [`Node`] tree to the backtracking program: alternatives and loops as
//! prioritised splits, counted repetitions expanded, lookaround bodies appended after the
//! main program.

use super::parse::R;
use super::{Inst, Node, MAX_PROGRAM};

pub(super) struct Compiler {
    pub(super) prog: Vec<Inst>,
    pub(super) slots: usize,
    pub(super) looks: Vec<(usize, Node)>,
    /// What is left of [`MAX_PROGRAM`] for empty repetitions.
    pub(super) budget: usize,
}

impl Compiler {
    /// Counts `n` instructions' worth of work against [`MAX_PROGRAM`].
    fn room(&mut self, n: usize) -> R<()> {
        self.budget = self.budget.checked_sub(n).ok_or(())?;
        Ok(())
    }

    pub(super) fn push(&mut self, i: Inst) -> R<usize> {
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

    pub(super) fn node(&mut self, n: &Node) -> R<()> {
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
                // Each copy counts against the program's size even when it compiles to
                // nothing (`(?:){4000000000}` must fail, not spin).
                for _ in 0..*min {
                    self.room(1)?;
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
