// Type-checks real use of the package against its generated .d.ts (web and nodejs builds;
// see types.test.mjs). The @ts-expect-error lines fail the check if the types loosen to
// `any`: a misspelt weight or a missing visitorId must be a type error.
import { decodeProfile, encodeProfile, Engine } from "vitrine";
import type { Assignment, ErrorCode, Profile, RankRequest, RankResponse, StickyBucketDoc, VitrineError } from "vitrine";

declare const bundle: Uint8Array;

const engine: Engine = Engine.fromBundle(bundle);
Engine.fromBundle(bundle, { limits: { maxResults: 24, maxSessionItems: 50 } });
const epoch: number = engine.applyStock(bundle);

const request: RankRequest = {
  visitorId: "v-42",
  profile: encodeProfile({ customerId: "c-1", updatedAt: 1_700_000_000_000, consent: { personalization: true } }),
  session: { viewed: ["1001"], cart: [], current: "1003" },
  context: { page: "product", limit: 8, region: "uk", now: 1_700_000_000_000, exclude: ["9"], pin: [] },
  weights: { popularity: 0.5, margin: 0.1 },
  attributes: { country: "uk", app: { version: "2.1.0" }, tags: ["new"] },
  stickyBuckets: [],
  forcedVariations: { "popular-first": 1 },
};
const response: RankResponse = engine.rank(request);
const reason: string | undefined = response.items[0]?.reasons[0];
const score: number | undefined = response.items[0]?.score;
const profileVersion: number | null = response.decision.profileVersion;
const products: string[] | undefined = response.promotions[0]?.products;
const name: string | undefined = engine.product("1001")?.name;
const stockKnown: number = engine.info().stockKnown;
const held: Profile = decodeProfile(request.profile as Uint8Array);
const views: { product: string; at: number }[] | undefined = held.recentViews;
const first: Assignment | undefined = response.assignments[0];
const exposed: boolean = first !== undefined && first.inExperiment && first.hashUsed;
const toStore: StickyBucketDoc[] | null = response.stickyBuckets;
const assigned = engine.assign("v-42", { country: "uk" }, { stickyBuckets: toStore, context: { page: "home" } });
const variant: number | undefined = assigned.assignments[0]?.variant;
const docs: StickyBucketDoc[] | null = assigned.stickyBuckets;
engine.assign("v-42");

try {
  engine.rank(request);
} catch (e) {
  const err = e as VitrineError;
  const code: ErrorCode = err.code;
  console.log(code, err.message);
}

// @ts-expect-error: weights are named features, a typo is a type error
engine.rank({ visitorId: "v", weights: { similarty: 1 } });
// @ts-expect-error: visitorId is required
engine.rank({ session: { viewed: [] } });
// @ts-expect-error: limit is a number
engine.rank({ visitorId: "v", context: { limit: "8" } });
// @ts-expect-error: the profile travels as bytes
engine.rank({ visitorId: "v", profile: held });
// @ts-expect-error: a forced variation is an index
engine.rank({ visitorId: "v", forcedVariations: { "popular-first": "popular" } });
// @ts-expect-error: sticky bucket documents name their attribute
engine.assign("v", {}, { stickyBuckets: [{ attributeValue: "v", assignments: {} }] });

console.log(epoch, reason, score, profileVersion, products, name, stockKnown, views, exposed, variant, docs);
