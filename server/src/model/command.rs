//! `vitrine model build` and `vitrine model synth`: flags to sources, sources to bundles.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use vitrine::bundle::Bundle;

use super::config::ModelConfig;
use super::diginetica::{self, Diginetica};
use super::instacart::Instacart;
use super::stream::{self, Source};
use super::{default_version, describe, from_instacart_with, synth};
use crate::cli::Flags;
use crate::error::{write_file, CliError};
use crate::eval::instacart::{held_out_orders, Target};
use crate::progress::thousands;

/// Flags of `model build`.
pub const BUILD_FLAGS: &[&str] = &[
    "instacart",
    "orders",
    "part",
    "yoochoose",
    "diginetica",
    "views",
    "events",
    "config",
    "out",
    "version",
    "threads",
];
/// Flags of `model synth`.
pub const SYNTH_FLAGS: &[&str] = &["events", "out", "items", "seed"];

/// The training parts a build may learn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildPart {
    /// Everything (the demo, a production model).
    All,
    /// Everything but what `eval --part test` predicts.
    Train,
    /// Everything but what `eval --part valid` and `--part test` predict.
    Tune,
    /// Instacart: everything but each user's last `k` orders (`eval --part order:<k>`).
    Before(usize),
}

impl BuildPart {
    pub fn parse(flags: &Flags) -> Result<BuildPart, CliError> {
        match flags.text("part").as_deref() {
            None | Some("all") => Ok(BuildPart::All),
            Some("train") => Ok(BuildPart::Train),
            Some("tune") => Ok(BuildPart::Tune),
            Some(other) => match other.strip_prefix("before:").and_then(|k| k.parse::<usize>().ok()) {
                Some(k) if k >= 1 => Ok(BuildPart::Before(k)),
                _ => Err(CliError::Usage(format!("--part {other:?}: expected all, train, tune or before:<k>"))),
            },
        }
    }
}

/// Which of the mutually exclusive source flags was given.
pub fn one_of<'a>(flags: &Flags, names: &[&'a str]) -> Result<&'a str, CliError> {
    let given: Vec<&str> = names.iter().copied().filter(|n| flags.has(n)).collect();
    match given[..] {
        [one] => Ok(one),
        _ => Err(CliError::Usage(format!(
            "give one of {}",
            names.iter().map(|n| format!("--{n}")).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Threads for the learner: `--threads`, else every core.
pub fn threads(flags: &Flags) -> Result<usize, CliError> {
    Ok(match flags.number::<usize>("threads")? {
        Some(0) => return Err(CliError::Usage("--threads must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    })
}

/// Learns a bundle as `flags` say; returns it and the lines to log.
pub fn learn(flags: &Flags, config: &ModelConfig) -> Result<(Bundle, Vec<String>), CliError> {
    let version = flags.text("version");
    if version.as_deref() == Some("") {
        return Err(CliError::Usage("--version must not be empty".into()));
    }
    let part = BuildPart::parse(flags)?;
    let source = one_of(flags, &["instacart", "yoochoose", "diginetica", "events"])?;
    if part != BuildPart::All && !matches!(source, "instacart" | "diginetica") {
        return Err(CliError::Usage(format!(
            "--part is for --instacart and --diginetica; --{source} is one file already"
        )));
    }
    let threads = threads(flags)?;
    match source {
        "instacart" => {
            let data = Instacart::read_with(&flags.path("instacart")?, flags.opt_path("orders").as_deref())?;
            let held_out = match part {
                BuildPart::All => Vec::new(),
                BuildPart::Train => held_out_orders(&data, Target::LAST),
                BuildPart::Tune => held_out_orders(&data, Target::SECOND_LAST),
                BuildPart::Before(k) => held_out_orders(&data, Target(k)),
            };
            let suffix = match part {
                BuildPart::All => String::new(),
                BuildPart::Train => "-train".into(),
                BuildPart::Tune => "-tune".into(),
                BuildPart::Before(k) => format!("-before{k}"),
            };
            let version = version.unwrap_or_else(|| format!("{}{suffix}", default_version(&data)));
            let (bundle, stats) = from_instacart_with(&data, version, now_ms(), &held_out, config);
            // The size comes with the "wrote" line.
            let line = describe(&stats, 0);
            let line = line.rsplit_once("; ").map_or(line.clone(), |(head, _)| head.to_owned());
            Ok((bundle, vec![line]))
        }
        _ => {
            let data;
            let path;
            let src = match source {
                "yoochoose" => {
                    path = flags.path("yoochoose")?;
                    Source::Yoochoose(&path)
                }
                "events" => {
                    path = flags.path("events")?;
                    Source::Events(&path)
                }
                _ => {
                    data = Diginetica::read(&flags.path("diginetica")?, flags.opt_path("views").as_deref())?;
                    let p = match part {
                        BuildPart::All => diginetica::Part::All,
                        BuildPart::Train => diginetica::Part::Train,
                        BuildPart::Tune => diginetica::Part::TuneTrain,
                        BuildPart::Before(_) => {
                            return Err(CliError::Usage("--part before:<k> is for --instacart".into()));
                        }
                    };
                    Source::Diginetica(&data, p)
                }
            };
            let (bundle, s) = stream::build(&src, version, now_ms(), config, threads, true)?;
            let st = &s.stats;
            Ok((
                bundle,
                vec![
                    format!(
                        "read {} ({} visits; {} cut at a gap, {} flushed to keep at most {} open)",
                        s.rate,
                        thousands(s.sessions.visits),
                        thousands(s.sessions.cut),
                        thousands(s.sessions.evicted),
                        thousands(crate::model::sessions::DEFAULT_MAX_OPEN as u64)
                    ),
                    format!(
                        "{} products in {} categories; {} neighbour edges over {} products, {} complement edges over {} products",
                        thousands(st.products as u64),
                        st.categories,
                        thousands(st.neighbour_edges as u64),
                        thousands(st.with_neighbours as u64),
                        thousands(st.complement_edges as u64),
                        thousands(st.with_complements as u64)
                    ),
                ],
            ))
        }
    }
}

/// `vitrine model build`.
pub fn build(flags: &Flags) -> Result<Vec<String>, CliError> {
    let started = Instant::now();
    let out = flags.path("out")?;
    let config = match flags.opt_path("config") {
        Some(p) => ModelConfig::read(&p)?,
        None => ModelConfig::default(),
    };
    let (bundle, mut lines) = learn(flags, &config)?;
    let bytes = bundle.to_bytes();
    write_file(&out, &bytes)?;
    lines.push(format!(
        "wrote {} (bundle {}, {:.1} MB) in {:.2} s",
        out.display(),
        bundle.version,
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    ));
    Ok(lines)
}

/// `vitrine model synth`.
pub fn synth(flags: &Flags) -> Result<Vec<String>, CliError> {
    let started = Instant::now();
    let events = flags.number::<u64>("events")?.ok_or_else(|| CliError::Usage("--events <n> is required".into()))?;
    let items = flags.number::<u64>("items")?.unwrap_or(100_000);
    let seed = flags.number::<u64>("seed")?.unwrap_or(1);
    let out = flags.path("out")?;
    let visits = synth::write(Path::new(&out), events, items, seed)?;
    Ok(vec![format!(
        "wrote {} events in {} visits over {} items to {} in {:.2} s",
        thousands(events),
        thousands(visits),
        thousands(items),
        out.display(),
        started.elapsed().as_secs_f64()
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn flags(list: &[&str]) -> Flags {
        let args: Vec<OsString> = list.iter().map(OsString::from).collect();
        Flags::parse(&args, BUILD_FLAGS).unwrap()
    }

    #[test]
    fn parts_sources_and_threads() {
        assert_eq!(BuildPart::parse(&flags(&[])).unwrap(), BuildPart::All);
        assert_eq!(BuildPart::parse(&flags(&["--part", "tune"])).unwrap(), BuildPart::Tune);
        assert!(BuildPart::parse(&flags(&["--part", "test"])).is_err(), "a model never learns from the test");
        assert_eq!(BuildPart::parse(&flags(&["--part", "before:5"])).unwrap(), BuildPart::Before(5));
        assert!(BuildPart::parse(&flags(&["--part", "before:0"])).is_err());
        assert_eq!(one_of(&flags(&["--events", "e.csv"]), &["events", "yoochoose"]).unwrap(), "events");
        assert!(one_of(&flags(&[]), &["events", "yoochoose"]).is_err());
        assert!(one_of(&flags(&["--events", "a", "--yoochoose", "b"]), &["events", "yoochoose"]).is_err());
        assert_eq!(threads(&flags(&["--threads", "3"])).unwrap(), 3);
        assert!(threads(&flags(&["--threads", "0"])).is_err());
        assert!(threads(&flags(&[])).unwrap() >= 1);
    }
}
