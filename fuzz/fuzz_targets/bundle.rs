//! Arbitrary bytes as a catalogue bundle: a coded error, or an engine that ranks within
//! the invariants and that a bad stock snapshot leaves unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vitrine::codec::Id;
use vitrine::stock::{StockWire, STOCK_SCHEMA};
use vitrine::{Engine, Limits};
use vitrine_fuzz::{check_error, check_response, probes, state, CLOCK};

fuzz_target!(|data: &[u8]| {
    let mut engine = match Engine::from_bundle(data, Limits::default()) {
        Ok(e) => e,
        Err(e) => {
            check_error(e.code(), &e.to_string());
            return;
        }
    };
    // Every product in stock, so that the ranking reaches every loaded section.
    let ids: Vec<Id> = engine.catalogue().products.info.iter().map(|p| Id(p.id.clone())).collect();
    let mut stock = StockWire {
        kind: "stock".into(),
        schema: STOCK_SCHEMA,
        epoch: 1,
        as_of: CLOCK,
        level: vec![5; ids.len()],
        item: ids,
        regions: Default::default(),
    };
    engine.apply_stock(&stock.to_bytes()).expect("a stock snapshot of the catalogue's own ids");
    for req in probes(&engine) {
        match engine.rank(&req, CLOCK) {
            Ok(res) => check_response(&engine, &req, &res),
            Err(e) => panic!("a valid probe request failed: {e}"),
        }
    }
    // A refused snapshot changes nothing.
    let before = state(&engine);
    stock.epoch = 2;
    stock.level.push(1);
    let err = engine.apply_stock(&stock.to_bytes()).unwrap_err();
    assert_eq!(err.code(), "E_LENGTH_MISMATCH");
    assert_eq!(state(&engine), before);
});
