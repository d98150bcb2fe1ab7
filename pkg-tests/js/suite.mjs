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

/** FNV-1a over UTF-16 code units, transcribed from GrowthBook's specification: the
 *  reference the wasm assignment is checked against for ids beyond ASCII. */
function fnv32a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24);
  }
  return h >>> 0;
}
const hashV2 = (seed, value) => (fnv32a(String(fnv32a(seed + value))) % 10000) / 10000;

/** A bundle holding only experiments (and saved groups). */
function experimentBundle(msgpack, experiments, savedGroups) {
  return msgpack.encode({ kind: "bundle", schema: 1, version: "gb", experiments, ...(savedGroups ? { savedGroups } : {}) });
}

/** Fields of a GrowthBook experiment that a bundle carries as they are. */
const EXPERIMENT_FIELDS = ["key", "weights", "coverage", "hashAttribute", "hashVersion", "seed", "namespace", "condition",
  "active", "force", "ranges", "filters"];

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
      "assign answers as rank does, and its errors are Errors with codes",
      () => {
        const e = engine();
        let compared = 0;
        for (const r of withProfiles(fx.requests)) {
          const options = { profile: r.profile, context: r.context, stickyBuckets: r.stickyBuckets, forcedVariations: r.forcedVariations };
          const ranked = e.rank(r);
          const assigned = e.assign(r.visitorId, r.attributes ?? null, options);
          same(assigned.assignments, ranked.assignments, `assignments of ${r.visitorId}`);
          same(assigned.stickyBuckets ?? null, ranked.stickyBuckets, `sticky buckets of ${r.visitorId}`);
          compared += ranked.assignments.length;
        }
        check(compared > 0, "the fixture has experiments");
        const a = e.assign("v-1").assignments;
        check(a.length === 2 && a[0].experiment === "ranking-weights", JSON.stringify(a));
        throwsCode(() => e.assign("v", ["uk"]), "E_INVALID_REQUEST");
        throwsCode(() => e.assign("v", null, { forcedVariations: { "popular-first": -1 } }), "E_INVALID_NUMBER");
        throwsCode(() => e.assign("v", null, { stickyBuckets: [{ attributeName: "id" }] }), "E_INVALID_REQUEST");
      },
    ],
    [
      "numbers in messages print as this JavaScript engine's String(n) prints them",
      () => {
        // The wasm prints numbers with its own shortest-digits code (core's float
        // formatting is 20 KB); the host engine is the reference. Seeded, so a failure
        // names a number that fails again.
        let seed = 0x2545f491;
        const next = () => {
          seed = (seed + 0x6d2b79f5) | 0;
          let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
          return (t ^ (t >>> 14)) >>> 0;
        };
        const view = new DataView(new ArrayBuffer(8));
        const numbers = [2 ** -25, 5e-324, Number.MAX_VALUE, 0.1 + 0.2, 1e21, -1.5, 1.5e-7, -123456789, 2 ** 64, 1e-7];
        while (numbers.length < 4000) {
          view.setUint32(0, next());
          view.setUint32(4, next());
          const random = [view.getFloat64(0), (next() / 2 ** 32 - 0.5) * 10 ** ((next() % 40) - 20), -(next() % 1000) / 8];
          numbers.push(...random);
        }
        const e = engine();
        let checked = 0;
        for (const x of numbers) {
          if (!Number.isFinite(x) || (Number.isInteger(x) && x >= 0 && x < 2 ** 32)) continue; // allowed values
          const err = throwsCode(() => e.assign("v", null, { forcedVariations: { "popular-first": x } }), "E_INVALID_NUMBER");
          check(err.message.includes(`: ${String(x)} is not allowed here`), `${String(x)}: ${err.message}`);
          checked += 1;
        }
        check(checked > 3500, `${checked} numbers checked`);
      },
    ],
    [
      "experiments assign as GrowthBook's run cases say",
      () => {
        let ran = 0;
        const skipped = [];
        for (const [name, ctx, exp, value, inExperiment, hashUsed] of fx.growthbook.run) {
          // Not part of a rank request: feature flags (prerequisites), QA mode, a disabled SDK.
          if (ctx.features || ctx.qaMode || ctx.enabled === false || exp.parentConditions) {
            skipped.push(name);
            continue;
          }
          const def = { variations: exp.variations.map(() => ({})) };
          for (const k of EXPERIMENT_FIELDS) if (k in exp) def[k] = exp[k];
          let e;
          try {
            e = Engine.fromBundle(experimentBundle(msgpack, [def], ctx.savedGroups));
          } catch (err) {
            // The bundle refuses definitions that only misbehave (a forced variation that
            // does not exist, weights that do not sum to 1): named, not silently run.
            check(err.code === "E_INVALID_NUMBER", `${name}: ${err.code} ${err.message}`);
            skipped.push(name);
            continue;
          }
          const attributes = ctx.attributes ?? {};
          const visitor = typeof attributes.id === "string" ? attributes.id : "";
          const { assignments } = e.assign(visitor, attributes, {
            context: ctx.url ? { url: ctx.url } : null,
            forcedVariations: ctx.forcedVariations ?? null,
          });
          const a = assignments[0];
          same(exp.variations[a.variant], value, `${name}: value`);
          check(a.inExperiment === inExperiment && a.hashUsed === hashUsed, `${name}: ${JSON.stringify(a)}`);
          ran++;
        }
        check(ran === 65, `ran ${ran}, skipped ${skipped.join("; ")}`);
      },
    ],
    [
      "visitor ids beyond ASCII hash over UTF-16 code units, as GrowthBook's JavaScript",
      () => {
        const e = Engine.fromBundle(experimentBundle(msgpack, [
          { key: "utf16", seed: "s-1", hashVersion: 2, variations: [{}, {}, {}, {}], weights: [0.25, 0.25, 0.25, 0.25] },
        ]));
        const ids = ["é", "naïve-ü", "客户-42", "🛒-cart", "𝒳𝒴", "Zoë🙂", "\u00e9", "e\u0301"];
        for (let i = 0; i < 200; i++) ids.push(`visiteur-${i}-${String.fromCodePoint(0xe0 + i, 0x1f600 + (i % 50))}`);
        for (const id of ids) {
          const want = Math.floor(hashV2("s-1", id) / 0.25);
          const got = e.assign(id).assignments[0];
          check(got.variant === want && got.inExperiment, `${JSON.stringify(id)}: variant ${got.variant}, reference ${want}`);
        }
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
