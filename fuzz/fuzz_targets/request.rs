//! Arbitrary bytes as a rank request (what the JavaScript glue packs): a coded error, or
//! a request that ranks to a coded error or to a response within the invariants, the
//! same response twice, and an engine that a failed rank left as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vitrine::codec::Reader;
use vitrine::RankRequest;
use vitrine_fuzz::{base, check_error, check_response, state, CLOCK};

fuzz_target!(|data: &[u8]| {
    let req = match RankRequest::read(&mut Reader::new(data, "request")) {
        Ok(r) => r,
        Err(e) => {
            check_error(e.code(), &e.to_string());
            return;
        }
    };
    let base = base();
    match base.engine.rank(&req, CLOCK) {
        Ok(res) => {
            check_response(&base.engine, &req, &res);
            assert_eq!(base.engine.rank(&req, CLOCK).as_ref(), Ok(&res), "not deterministic");
        }
        Err(e) => {
            check_error(e.code(), &e.to_string());
            assert_eq!(state(&base.engine), base.state);
        }
    }
});
