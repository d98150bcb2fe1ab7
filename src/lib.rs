//! vitrine core: ranks product suggestions and stock-aware promotions from a catalogue
//! bundle, a stock table, a customer profile snapshot and the live session.
//!
//! Pure Rust, no I/O and no clock: the same code runs natively (server, benchmarks, tests)
//! and in WebAssembly (browser, edge worker), where [`wasm`](crate) is the only module
//! that knows about JavaScript.
//!
//! ```
//! use vitrine::{Engine, Limits, RankRequest};
//! # let bundle = vitrine::testkit::small_bundle_bytes();
//! let engine = Engine::from_bundle(&bundle, Limits::default()).unwrap();
//! let response = engine.rank(&RankRequest::default(), 1_700_000_000_000).unwrap();
//! assert_eq!(response.decision.bundle_version, engine.info().bundle_version);
//! ```

pub mod bundle;
pub mod catalogue;
pub mod codec;
mod csr;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod growthbook;
// Public for the server's learner, which needs the same fast, repeatable maps.
#[doc(hidden)]
pub mod hash;
pub mod limits;
pub mod profile;
pub mod promo;
pub mod rank;
pub mod request;
mod sort;
pub mod stock;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
/// The JavaScript API (wasm32 only); public so the wasm test suites can call it directly.
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod weights;

pub use engine::{Engine, EngineInfo, ProductView};
pub use error::{Error, RequestError, SnapshotError};
pub use limits::Limits;
pub use profile::{decode_profile, encode_profile, Profile};
pub use request::{RankRequest, RankResponse};
pub use stock::Applied;
