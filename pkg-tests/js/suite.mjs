// One suite, run against every build of the package as users get it: the nodejs and web
// builds in Node (node.test.mjs) and the web build in Chromium (browser.test.mjs). It
// imports nothing itself, so it runs unchanged in a page: the caller passes the package,
// the fixtures and @msgpack/msgpack.

function check(ok, message) {
  if (!ok) throw new Error(message);
}

/** Deep equality of JSON-like values, keys in any order, numbers identical. */
function same(a, b, at = "value") {
  if (typeof a === "number" || typeof b === "number") {
    check(Object.is(a, b), `${at}: ${a} !== ${b}`);
  } else if (Array.isArray(a) || Array.isArray(b)) {
    check(Array.isArray(a) && Array.isArray(b) && a.length === b.length, `${at}: arrays differ`);
    a.forEach((x, i) => same(x, b[i], `${at}[${i}]`));
  } else if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    check(ka.join() === kb.join(), `${at}: keys ${ka} != ${kb}`);
    ka.forEach((k) => same(a[k], b[k], `${at}.${k}`));
  } else {
    check(a === b, `${at}: ${JSON.stringify(a)} !== ${JSON.stringify(b)}`);
  }
}

/** The error `f` throws; it must be a real Error with this code. */
function throwsCode(f, code) {
  try {
    f();
  } catch (e) {
    check(e instanceof Error, `not an Error: ${e}`);
    check(e.name === "VitrineError", `name ${e.name}`);
    check(e.code === code, `code ${e.code}, expected ${code} (${e.message})`);
    return e;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

function withProfiles(requests) {
  return requests.map((r) => (r.profile ? { ...r, profile: new Uint8Array(r.profile) } : r));
}

/**
 * The tests, as [name, fn] pairs.
 * @param vitrine the package's exports (Engine, encodeProfile, decodeProfile)
 * @param fx { bundle: Uint8Array, stock: Uint8Array, requests: object[], responses: object[] }
 * @param msgpack @msgpack/msgpack's exports (encode)
 */
export function suite(vitrine, fx, msgpack) {
  const { Engine, encodeProfile, decodeProfile } = vitrine;
  const engine = () => {
    const e = Engine.fromBundle(fx.bundle);
    e.applyStock(fx.stock);
    return e;
  };
  return [
    [
      "decisions replay bit for bit against the native build",
      () => {
        const e = engine();
        withProfiles(fx.requests).forEach((r, i) => same(e.rank(r), fx.responses[i], `response[${i}]`));
      },
    ],
    [
      "a full rank round trip has the documented shape",
      () => {
        const e = engine();
        const res = e.rank(withProfiles(fx.requests)[0]);
        check(res.items.length > 0, "items");
        for (const item of res.items) {
          check(typeof item.id === "string" && typeof item.score === "number", "item fields");
          check(item.reasons.length > 0 && item.reasons.every((r) => typeof r === "string"), "reasons");
          check(e.product(item.id) !== null, "items are catalogue products");
        }
        check(Array.isArray(res.promotions), "promotions");
        check(res.decision.stockEpoch === 3 && typeof res.decision.bundleVersion === "string", "decision");
        const cold = e.rank({ visitorId: "x" });
        check(cold.decision.profileVersion === null, "no profile: null");
        check(Math.abs(cold.decision.now - Date.now()) < 60_000, "now defaults to the clock");
      },
    ],
    [
      "bad snapshots throw an Error with a code and change nothing",
      () => {
        throwsCode(() => Engine.fromBundle(new Uint8Array([1, 2, 3])), "E_INVALID_FIELD");
        throwsCode(() => Engine.fromBundle(fx.bundle.subarray(0, 1000)), "E_TRUNCATED");
        throwsCode(() => Engine.fromBundle(fx.stock), "E_WRONG_KIND");
        throwsCode(() => Engine.fromBundle(fx.bundle, { limits: { maxBundleBytes: 10 } }), "E_TOO_LARGE");
        const e = engine();
        const before = JSON.stringify(e.info());
        throwsCode(() => e.applyStock(fx.bundle), "E_WRONG_KIND");
        throwsCode(() => e.applyStock(new Uint8Array([0x81])), "E_TRUNCATED");
        check(JSON.stringify(e.info()) === before, "info unchanged");
        check(e.applyStock(fx.stock) === 3, "the same stock again is ignored, epoch unchanged");
        throwsCode(() => decodeProfile(new Uint8Array([0xc1])), "E_INVALID_FIELD");
      },
    ],
    [
      "bad requests throw an Error with a code",
      () => {
        const e = engine();
        throwsCode(() => e.rank({}), "E_INVALID_REQUEST");
        throwsCode(() => e.rank({ visitorId: "v", context: { limit: -3 } }), "E_INVALID_NUMBER");
        throwsCode(() => e.rank({ visitorId: "v", weights: { stock: NaN } }), "E_INVALID_NUMBER");
        throwsCode(() => e.rank({ visitorId: "v", weights: { stok: 1 } }), "E_UNKNOWN_WEIGHT");
        const err = throwsCode(() => e.rank({ visitorId: "v", session: { viewed: ["a", new Date()] } }), "E_INVALID_REQUEST");
        check(err.message.includes("session.viewed[1]"), `the message names the field: ${err.message}`);
        const noSchema = throwsCode(() => e.rank({ visitorId: "v", profile: new Uint8Array([0x80]) }), "E_SCHEMA_UNSUPPORTED");
        check(noSchema.message === "request profile: profile schema (missing) is not supported (this build reads schema 1)", noSchema.message);
      },
    ],
    [
      "profiles encode and decode: what do you hold about me",
      () => {
        const now = Date.now();
        const profile = {
          customerId: "c-9f3a",
          version: 2,
          updatedAt: now - (now % 60_000),
          consent: { personalization: true, marketing: false },
          segment: "regular",
          categoryAffinity: { kettles: 0.8 },
          recentViews: [{ product: "1001", at: now - (now % 60_000) - 120_000 }],
          purchases: [{ product: "2002", day: Math.floor(now / 86_400_000) - 3 }],
        };
        const bytes = encodeProfile(profile);
        check(bytes instanceof Uint8Array && bytes.length < 100, `compact: ${bytes.length} bytes`);
        const back = decodeProfile(bytes);
        for (const k of Object.keys(profile)) same(back[k], profile[k], k);
        throwsCode(() => encodeProfile({ ...profile, email: "x@example.com" }), "E_INVALID_FIELD");
      },
    ],
    [
      "a bundle and a profile written by @msgpack/msgpack load and rank",
      () => {
        // Another writer: string ids, plain number arrays, fields in any order.
        const bundle = msgpack.encode({
          kind: "bundle",
          schema: 1,
          version: "js-1",
          categories: [{ id: "kettles", name: "Kettles" }],
          products: [
            { id: "k1", name: "Kettle", category: "kettles", price: 3999 },
            { id: "k2", name: "Descaler", category: "kettles", price: 499, flags: ["consumable"] },
            { id: "k3", name: "Gift card", category: "kettles", price: 2500, flags: ["untracked"] },
          ],
          complements: { from: [0, 0], to: [1, 2], weight: [0.9, 0.1] },
          popularity: { global: { item: [2], score: [5] } },
        });
        const now = 1_699_999_980_000; // a whole minute: the profile keeps minutes
        const stock = msgpack.encode({ kind: "stock", schema: 1, epoch: 1, asOf: now, item: ["k1", "k2"], level: [3, 4] });
        // The profile's compact layout (docs/FORMATS.md), written by hand.
        const profile = msgpack.encode({ s: 1, id: "c-1", n: 4, t: now / 60_000, c: 1, a: { kettles: 90 }, p: ["k1"], d: [2] });
        const e = Engine.fromBundle(bundle);
        check(e.applyStock(stock) === 1, "stock epoch");
        const res = e.rank({ visitorId: "v", profile, session: { cart: ["k1"] }, context: { now } });
        same(res.items.map((i) => i.id), ["k2", "k3"], "items");
        check(res.items[0].reasons[0] === "cart:k1", res.items[0].reasons.join());
        check(res.decision.profileVersion === 4, "profile read");
        same(decodeProfile(profile).purchases, [{ product: "k1", day: Math.floor(now / 86_400_000) - 2 }], "purchases");
      },
    ],
  ];
}
