//! Arbitrary bytes as a stock snapshot or delta, applied to the testkit engine: a coded
//! error that leaves the engine exactly as it was, or an engine that still ranks within
//! the invariants.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use vitrine::Engine;
use vitrine_fuzz::{base, check_error, check_response, probes, state, CLOCK};

thread_local! {
    /// The engine under test, reset from the base only after an input changed it: a
    /// refused input must leave it as it was, so most runs skip the clone.
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let base = base();
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let engine = slot.get_or_insert_with(|| base.engine.clone());
        match engine.apply_stock(data) {
            Err(e) => {
                check_error(e.code(), &e.to_string());
                assert_eq!(state(engine), base.state, "a refused stock input changed the engine ({e})");
            }
            Ok(applied) => {
                assert_eq!(applied.epoch, engine.info().stock_epoch);
                if !applied.changed {
                    assert_eq!(state(engine), base.state, "an ignored stock input changed the engine");
                }
                for req in probes(engine) {
                    let res = engine.rank(&req, CLOCK).expect("a valid probe request");
                    check_response(engine, &req, &res);
                }
                *slot = None;
            }
        }
    });
});
