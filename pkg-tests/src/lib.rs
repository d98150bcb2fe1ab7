//! Nothing here: the suites are in `tests/`, built for wasm32 and run by wasm-bindgen-test-runner.
