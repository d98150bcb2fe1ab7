//! Arbitrary bytes as a profile snapshot: `decode_profile` and a rank request carrying
//! the same bytes agree (the same code, or both succeed); a decoded profile encodes again
//! and reads back the same; a refused profile leaves the engine as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vitrine::{decode_profile, encode_profile, Limits};
use vitrine_fuzz::{base, check_error, check_response, probes, state, CLOCK};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let base = base();
    let decoded = decode_profile(data, &limits);
    let mut req = probes(&base.engine).pop().expect("a probe");
    req.profile = Some(data.to_vec());
    let ranked = base.engine.rank(&req, CLOCK);
    match (&decoded, &ranked) {
        (Ok(_), Ok(res)) => check_response(&base.engine, &req, res),
        (Err(a), Err(b)) => {
            check_error(a.code(), &a.to_string());
            assert_eq!(a.code(), b.code(), "decode: {a}; rank: {b}");
            assert_eq!(state(&base.engine), base.state);
        }
        (a, b) => panic!("decode and rank disagree: {a:?} / {b:?}"),
    }
    if let Ok(p) = decoded {
        let bytes =
            encode_profile(&p, &limits).unwrap_or_else(|e| panic!("a decoded profile does not encode: {e}\n{p:?}"));
        assert_eq!(decode_profile(&bytes, &limits).as_ref(), Ok(&p));
    }
});
