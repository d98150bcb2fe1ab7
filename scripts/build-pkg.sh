#!/usr/bin/env bash
# Builds the wasm package into target/pkg/web (browsers, workers) and target/pkg/node.
source "$(dirname "$0")/lib/tools.sh"
build_pkg
