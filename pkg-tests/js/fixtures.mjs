// The golden fixtures (tests/fixtures/golden) and GrowthBook's conformance cases (the
// shared data folder, or $VITRINE_DATA), read from disk in Node.
import { readFileSync } from "node:fs";

const dir = new URL("../../tests/fixtures/golden/", import.meta.url);
export const growthbookCases = process.env.VITRINE_DATA
  ? new URL(`file://${process.env.VITRINE_DATA}/growthbook-cases.json`)
  : new URL("../../../shared/data/growthbook-cases.json", import.meta.url);

export function fixtures() {
  const read = (name) => readFileSync(new URL(name, dir));
  return {
    bundle: new Uint8Array(read("bundle.msgpack")),
    stock: new Uint8Array(read("stock.msgpack")),
    requests: JSON.parse(read("requests.json")),
    responses: JSON.parse(read("responses.json")),
    growthbook: JSON.parse(readFileSync(growthbookCases)),
  };
}

export const pkg = new URL("../../target/pkg/", import.meta.url);
