//! Targeting conditions: GrowthBook's `evalCondition`, a MongoDB-like query over the
//! visitor's attributes (`{"country": {"$in": ["uk", "ie"]}, "app": {"$vgte": "2.1.0"}}`).
//!
//! A condition is compiled once, when the bundle loads: operator names are resolved,
//! regular expressions compiled, versions padded, literal objects serialized; so a request
//! only walks attributes. Compiling refuses what the SDK could only evaluate by accident
//! (`$and`/`$or`/`$nor` that are not arrays of objects, `$not` that is not an object).
//! Everything else evaluates exactly as in the JavaScript SDK, including its coercions
//! (`"8"` is greater than `5`, a missing attribute is `null`) and its verdicts on odd
//! input: an unknown operator, `$in` with a non-array or an invalid regular expression
//! make the test false.
//!
//! Regular expressions are JavaScript's, matched by [`super::regex`]; case-insensitive
//! operators fold case as [`super::case`] describes.

use std::cmp::Ordering;

use super::case;
use super::js;
use super::regex::Regex;
use super::version;
use crate::codec::Value;

/// A compiled condition (an object of clauses, all of which must hold).
#[derive(Debug, Clone)]
pub struct Condition(Obj);

/// Saved groups: named lists of values that `$inGroup` tests membership of.
pub type SavedGroups<'g> = &'g [(String, Vec<Value<'static>>)];

#[derive(Debug, Clone)]
struct Obj(Vec<Clause>);

#[derive(Debug, Clone)]
enum Clause {
    And(Vec<Obj>),
    Or(Vec<Obj>),
    Nor(Vec<Obj>),
    Not(Obj),
    /// An attribute at a dotted path, and the test its value must pass.
    Field(Vec<String>, Test),
}

/// `evalConditionValue`'s cases, decided when compiling.
#[derive(Debug, Clone)]
enum Test {
    /// `value + "" === s`
    Str(String),
    /// `value * 1 === n`
    Num(f64),
    /// `value !== null && !!value === b`
    Bool(bool),
    Null,
    /// `JSON.stringify(value) === json` (arrays and non-operator objects)
    Json(String),
    /// Every operator must pass.
    Ops(Vec<Op>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rel {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Ne,
}

impl Rel {
    fn holds(self, o: Ordering) -> bool {
        match self {
            Rel::Lt => o == Ordering::Less,
            Rel::Lte => o != Ordering::Greater,
            Rel::Gt => o == Ordering::Greater,
            Rel::Gte => o != Ordering::Less,
            Rel::Eq => o == Ordering::Equal,
            Rel::Ne => o != Ordering::Equal,
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// `$veq`, `$vgt`...: the padded expected version.
    Version(Rel, String),
    Eq(Value<'static>),
    Ne(Value<'static>),
    /// `$lt`, `$lte`, `$gt`, `$gte`.
    Compare(Rel, Value<'static>),
    Exists(bool),
    /// `$in`, `$nin`, `$ini`, `$nini`; `None` when the operand is not an array (false).
    In {
        list: Option<Vec<Value<'static>>>,
        fold: bool,
        negate: bool,
    },
    /// `$inGroup`, `$notInGroup`: the group's name.
    Group {
        name: String,
        negate: bool,
    },
    Not(Box<Test>),
    Size(Box<Test>),
    ElemMatch(Box<Elem>),
    /// `$all`, `$alli`; `None` when the operand is not an array (false).
    All {
        tests: Option<Vec<Test>>,
        fold: bool,
    },
    /// `None`: the pattern does not compile (false).
    Regex(Option<Regex>),
    Type(Value<'static>),
    Unknown,
}

#[derive(Debug, Clone)]
enum Elem {
    /// `{"$gt": 10}`: each element as a value.
    Value(Test),
    /// `{"name": {...}}`: each element as an object.
    Object(Obj),
}

type R<T> = Result<T, String>;

impl Condition {
    /// Compiles a condition object; `Err` says what is malformed, as a path inside it.
    pub fn compile(v: &Value) -> R<Condition> {
        obj(v, "condition").map(Condition)
    }

    /// Whether `attributes` pass the condition, with `groups` for `$inGroup`.
    pub fn eval(&self, attributes: &Value, groups: SavedGroups) -> bool {
        self.0.eval(attributes, groups)
    }
}

fn obj(v: &Value, at: &str) -> R<Obj> {
    let Value::Map(m) = v else {
        return Err(format!("{at}: expected an object, found {}", v.kind()));
    };
    let mut clauses = Vec::with_capacity(m.len());
    for (k, v) in js::object_entries(m) {
        let here = format!("{at}.{k}");
        let list = |v: &Value| -> R<Vec<Obj>> {
            match v {
                Value::Array(items) => {
                    // Loops rather than `collect::<Result<_>>`: each of those is another
                    // copy of the iterator machinery in the wasm module.
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        out.push(obj(item, &format!("{here}[{i}]"))?);
                    }
                    Ok(out)
                }
                other => Err(format!("{here}: expected an array of conditions, found {}", other.kind())),
            }
        };
        clauses.push(match k.as_str() {
            "$and" => Clause::And(list(v)?),
            "$or" => Clause::Or(list(v)?),
            "$nor" => Clause::Nor(list(v)?),
            "$not" => Clause::Not(obj(v, &here)?),
            _ => Clause::Field(k.split('.').map(str::to_owned).collect(), test(v, &here)?),
        });
    }
    Ok(Obj(clauses))
}

/// GrowthBook's `isOperatorObject`: a non-empty object whose keys all start with `$`.
fn operator_object(v: &Value) -> bool {
    match v {
        Value::Map(m) => !m.is_empty() && m.iter().all(|(k, _)| k.as_str().is_some_and(|k| k.starts_with('$'))),
        _ => false,
    }
}

fn test(v: &Value, at: &str) -> R<Test> {
    Ok(match v {
        Value::Str(s) => Test::Str(s.to_string()),
        Value::UInt(_) | Value::Int(_) | Value::Float(_) => Test::Num(js::as_number(v).unwrap_or(f64::NAN)),
        Value::Bool(b) => Test::Bool(*b),
        Value::Nil => Test::Null,
        Value::Map(m) if operator_object(v) => {
            let mut ops = Vec::with_capacity(m.len());
            for (name, operand) in js::object_entries(m) {
                ops.push(op(&name, operand, &format!("{at}.{name}"))?);
            }
            Test::Ops(ops)
        }
        other => Test::Json(js::json(other)),
    })
}

fn op(name: &str, x: &Value, at: &str) -> R<Op> {
    let array = |x: &Value| match x {
        Value::Array(items) => Some(items.iter().map(|v| v.clone().into_owned()).collect()),
        _ => None,
    };
    let regex = |fold: bool| Regex::new(&js::js_string(x), fold);
    let owned = || x.clone().into_owned();
    Ok(match name {
        "$veq" => Op::Version(Rel::Eq, version::padded(x)),
        "$vne" => Op::Version(Rel::Ne, version::padded(x)),
        "$vgt" => Op::Version(Rel::Gt, version::padded(x)),
        "$vgte" => Op::Version(Rel::Gte, version::padded(x)),
        "$vlt" => Op::Version(Rel::Lt, version::padded(x)),
        "$vlte" => Op::Version(Rel::Lte, version::padded(x)),
        "$eq" => Op::Eq(owned()),
        "$ne" => Op::Ne(owned()),
        "$lt" => Op::Compare(Rel::Lt, owned()),
        "$lte" => Op::Compare(Rel::Lte, owned()),
        "$gt" => Op::Compare(Rel::Gt, owned()),
        "$gte" => Op::Compare(Rel::Gte, owned()),
        "$exists" => Op::Exists(js::truthy(x)),
        "$in" => Op::In { list: array(x), fold: false, negate: false },
        "$nin" => Op::In { list: array(x), fold: false, negate: true },
        "$ini" => Op::In { list: array(x), fold: true, negate: false },
        "$nini" => Op::In { list: array(x), fold: true, negate: true },
        "$inGroup" => Op::Group { name: js::js_string(x), negate: false },
        "$notInGroup" => Op::Group { name: js::js_string(x), negate: true },
        "$not" => Op::Not(Box::new(test(x, at)?)),
        "$size" => Op::Size(Box::new(test(x, at)?)),
        "$elemMatch" if operator_object(x) => Op::ElemMatch(Box::new(Elem::Value(test(x, at)?))),
        "$elemMatch" => Op::ElemMatch(Box::new(Elem::Object(obj(x, at)?))),
        "$all" | "$alli" => Op::All {
            tests: match x {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, e) in items.iter().enumerate() {
                        out.push(test(e, &format!("{at}[{i}]"))?);
                    }
                    Some(out)
                }
                _ => None,
            },
            fold: name == "$alli",
        },
        "$regex" => Op::Regex(regex(false)),
        "$regexi" => Op::Regex(regex(true)),
        "$type" => Op::Type(owned()),
        _ => Op::Unknown,
    })
}

/// GrowthBook's `getPath`: follows a dotted path through objects (and arrays, by index or
/// `length`); `null` wherever it leads nowhere.
fn lookup<'v, 'a>(root: &'v Value<'a>, path: &[String]) -> std::borrow::Cow<'v, Value<'a>> {
    use std::borrow::Cow;
    let mut at = root;
    for part in path {
        at = match at {
            Value::Map(_) => match js::get(at, part) {
                Some(v) => v,
                None => return Cow::Owned(Value::Nil),
            },
            Value::Array(items) => match part.parse::<usize>() {
                Ok(i) if i.to_string() == *part && i < items.len() => &items[i],
                _ if part == "length" => return Cow::Owned(Value::UInt(items.len() as u64)),
                _ => return Cow::Owned(Value::Nil),
            },
            _ => return Cow::Owned(Value::Nil),
        };
    }
    Cow::Borrowed(at)
}

impl Obj {
    fn eval(&self, v: &Value, g: SavedGroups) -> bool {
        self.0.iter().all(|c| match c {
            // An empty `$or` passes (the SDK returns early on an empty list).
            Clause::Or(list) => list.is_empty() || list.iter().any(|o| o.eval(v, g)),
            Clause::Nor(list) => !(list.is_empty() || list.iter().any(|o| o.eval(v, g))),
            Clause::And(list) => list.iter().all(|o| o.eval(v, g)),
            Clause::Not(o) => !o.eval(v, g),
            Clause::Field(path, t) => t.eval(&lookup(v, path), g, false),
        })
    }
}

/// Lower case, for the case-insensitive operators (strings only, as the SDK folds).
fn fold<'v, 'a>(v: &'v Value<'a>) -> std::borrow::Cow<'v, Value<'a>> {
    use std::borrow::Cow;
    match v {
        Value::Str(s) => Cow::Owned(Value::Str(Cow::Owned(case::to_lower(s)))),
        other => Cow::Borrowed(other),
    }
}

impl Test {
    /// `evalConditionValue`; `insensitive` compares strings case-folded (inside `$alli`).
    fn eval(&self, v: &Value, g: SavedGroups, insensitive: bool) -> bool {
        match self {
            Test::Str(s) if insensitive => case::to_lower(&js::js_string(v)) == case::to_lower(s),
            Test::Str(s) => js::js_string(v) == *s,
            Test::Num(n) => js::to_number(v) == *n,
            Test::Bool(b) => !matches!(v, Value::Nil) && js::truthy(v) == *b,
            Test::Null => matches!(v, Value::Nil),
            Test::Json(j) => js::json(v) == *j,
            Test::Ops(ops) => ops.iter().all(|op| op.eval(v, g)),
        }
    }
}

fn is_in(actual: &Value, list: &[Value], folded: bool) -> bool {
    let one = |a: &Value| {
        if folded {
            let a = fold(a);
            list.iter().any(|e| js::strict_eq(&a, &fold(e)))
        } else {
            list.iter().any(|e| js::same_value_zero(a, e))
        }
    };
    match actual {
        // An array attribute matches when any of its elements does (an intersection).
        Value::Array(items) => items.iter().any(one),
        other => one(other),
    }
}

impl Op {
    fn eval(&self, v: &Value, g: SavedGroups) -> bool {
        match self {
            Op::Version(rel, expected) => rel.holds(js::cmp_utf16(&version::padded(v), expected)),
            Op::Eq(x) => js::strict_eq(v, x),
            Op::Ne(x) => !js::strict_eq(v, x),
            Op::Compare(rel, x) => js::compare(v, x).is_some_and(|o| rel.holds(o)),
            Op::Exists(true) => !matches!(v, Value::Nil),
            Op::Exists(false) => matches!(v, Value::Nil),
            Op::In { list: None, .. } => false,
            Op::In { list: Some(list), fold, negate } => is_in(v, list, *fold) != *negate,
            Op::Group { name, negate } => {
                let members = g.iter().find(|(n, _)| n == name).map_or(&[][..], |(_, m)| &m[..]);
                is_in(v, members, false) != *negate
            }
            Op::Not(t) => !t.eval(v, g, false),
            Op::Size(t) => match v {
                Value::Array(items) => t.eval(&Value::UInt(items.len() as u64), g, false),
                _ => false,
            },
            Op::ElemMatch(e) => match v {
                // Falsy elements are skipped, as the SDK's `actual[i] && check(actual[i])`.
                Value::Array(items) => items.iter().filter(|x| js::truthy(x)).any(|x| match &**e {
                    Elem::Value(t) => t.eval(x, g, false),
                    Elem::Object(o) => o.eval(x, g),
                }),
                _ => false,
            },
            Op::All { tests: None, .. } => false,
            Op::All { tests: Some(tests), fold } => match v {
                Value::Array(items) => tests.iter().all(|t| items.iter().any(|x| t.eval(x, g, *fold))),
                _ => false,
            },
            Op::Regex(None) => false,
            Op::Regex(Some(re)) => re.is_match(&js::js_string(v)),
            Op::Type(x) => x.as_str() == Some(js::type_name(v)),
            Op::Unknown => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn s(x: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(x))
    }

    fn map<'a>(entries: Vec<(&'a str, Value<'a>)>) -> Value<'a> {
        Value::Map(entries.into_iter().map(|(k, v)| (s(k), v)).collect())
    }

    #[test]
    fn malformed_logic_is_refused_when_compiling() {
        let bad = map(vec![("$or", map(vec![("a", Value::UInt(1))]))]);
        assert!(Condition::compile(&bad).unwrap_err().contains("condition.$or: expected an array"));
        let bad = map(vec![("$and", Value::Array(vec![s("x")]))]);
        assert!(Condition::compile(&bad).unwrap_err().contains("condition.$and[0]: expected an object"));
        assert!(Condition::compile(&s("x")).is_err());
    }

    #[test]
    fn paths_reach_into_objects_and_arrays() {
        let c = Condition::compile(&map(vec![("tags.1", s("b")), ("tags.length", Value::UInt(2))])).unwrap();
        let attrs = map(vec![("tags", Value::Array(vec![s("a"), s("b")]))]);
        assert!(c.eval(&attrs, &[]));
        assert!(!c.eval(&map(vec![]), &[]));
    }

    #[test]
    fn regexes_that_do_not_compile_test_false() {
        let c = Condition::compile(&map(vec![("ua", map(vec![("$regex", s("(a"))]))])).unwrap();
        assert!(!c.eval(&map(vec![("ua", s("ab"))]), &[]));
        let c = Condition::compile(&map(vec![("n", map(vec![("$regex", s("^nu"))]))])).unwrap();
        assert!(c.eval(&map(vec![]), &[]), "a missing attribute is tested as the string \"null\", as in JavaScript");
    }
}
