// The golden fixtures (tests/fixtures/golden), read from disk in Node.
import { readFileSync } from "node:fs";

const dir = new URL("../../tests/fixtures/golden/", import.meta.url);

export function fixtures() {
  const read = (name) => readFileSync(new URL(name, dir));
  return {
    bundle: new Uint8Array(read("bundle.msgpack")),
    stock: new Uint8Array(read("stock.msgpack")),
    requests: JSON.parse(read("requests.json")),
    responses: JSON.parse(read("responses.json")),
  };
}

export const pkg = new URL("../../target/pkg/", import.meta.url);
