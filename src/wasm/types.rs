//! TypeScript types of the public surface, emitted into the generated `.d.ts`, so the
//! API is typed end to end (no `any`). They mirror `crate::request`, `crate::profile` and
//! `crate::engine`; `pkg-tests/js/types.test.ts` type-checks them against real use.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Stable error codes; see docs/FORMATS.md "Errors". */
export type ErrorCode =
  | "E_TOO_LARGE" | "E_TRUNCATED" | "E_MALFORMED" | "E_TOO_DEEP" | "E_WRONG_KIND"
  | "E_SCHEMA_UNSUPPORTED" | "E_INVALID_FIELD" | "E_DUPLICATE_ID" | "E_UNKNOWN_REFERENCE"
  | "E_INDEX_OUT_OF_RANGE" | "E_LENGTH_MISMATCH" | "E_INVALID_NUMBER" | "E_LIMIT_EXCEEDED"
  | "E_CATEGORY_CYCLE" | "E_UNKNOWN_WEIGHT" | "E_INVALID_REQUEST";

/** What every vitrine function throws: an `Error` with a stable `code`. */
export interface VitrineError extends Error {
  name: "VitrineError";
  code: ErrorCode;
}

/** Names of the ranking features, for weight overrides. */
export type Feature =
  | "similarity" | "complement" | "affinity" | "popularity" | "recency"
  | "priceFit" | "stock" | "margin" | "repeat" | "revisit";

/** Attribute values experiments target and hash on (GrowthBook's attributes). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

/** GrowthBook's sticky bucket document: the variation keys a visitor was assigned,
 *  by `experimentKey__bucketVersion`, for one attribute value. */
export interface StickyBucketDoc {
  attributeName: string;
  attributeValue: string;
  assignments: Record<string, string>;
}

/** A visitor's assignment in one experiment. Log an exposure when `inExperiment` and
 *  `hashUsed` are both true and the slot is rendered. */
export interface Assignment {
  experiment: string;
  /** The variation's index (0, the control, when not in the experiment). */
  variant: number;
  /** The variation's key. */
  key: string;
  inExperiment: boolean;
  /** False when a forced variation or a URL override decided. */
  hashUsed: boolean;
  stickyBucketUsed: boolean;
}

export interface AssignOptions {
  profile?: Uint8Array | null;
  context?: RankRequest["context"];
  stickyBuckets?: StickyBucketDoc[] | null;
  forcedVariations?: Record<string, number> | null;
}

export interface AssignResult {
  assignments: Assignment[];
  /** The documents to store back; null unless `stickyBuckets` were given. */
  stickyBuckets: StickyBucketDoc[] | null;
}

export interface RankRequest {
  /** The visitor (cookie) id. */
  visitorId: string;
  /** The shopper's profile snapshot bytes, if any. */
  profile?: Uint8Array | null;
  session?: {
    /** Product ids viewed in this visit, oldest first. */
    viewed?: string[];
    /** Product ids in the cart. */
    cart?: string[];
    /** The product on the page, if any. */
    current?: string | null;
  } | null;
  context?: {
    /** Page type ("home", "product", "cart"...): selects pins and promotions. */
    page?: string | null;
    /** How many items (default from the bundle, clamped to `maxResults`). */
    limit?: number | null;
    /** Delivery region: regional stock, popularity and promotions. */
    region?: string | null;
    /** Decision time, ms since 1970; defaults to now. Pass it to replay a decision. */
    now?: number | null;
    /** Product ids never to suggest in this response. */
    exclude?: string[];
    /** Product ids to put first, in order (when in stock). */
    pin?: string[];
    /** The page URL: `?<experiment>=<n>` forces variation n (for QA). */
    url?: string | null;
  } | null;
  /** Ranking weight overrides by feature (applied after any experiment's). */
  weights?: Partial<Record<Feature, number>> | null;
  /** Attributes for experiment targeting and hashing; `id` defaults to `visitorId`, and
   *  `page`, `region`, `url` and (with personalization consent) the profile's
   *  `customerId`, `segment`, `cohort` and `tier` fill in what is not given. */
  attributes?: Attributes | null;
  /** The visitor's sticky bucket documents: turns sticky bucketing on; the response
   *  carries the documents to store back. */
  stickyBuckets?: StickyBucketDoc[] | null;
  /** Experiment key → variation index to force (QA, previews); not exposures. */
  forcedVariations?: Record<string, number> | null;
}

export interface RankedItem {
  id: string;
  score: number;
  /** Strongest first: "viewed:<id>", "cart:<id>", "bought:<id>", "repeat:<id>", "seen:<id>",
   *  "affinity:<category>", "brand:<brand>", "popular:<cohort>", "pinned". */
  reasons: string[];
}

export interface ShownPromotion {
  id: string;
  products: string[];
  /** The criterion that made it eligible: "segment:<s>", "tier:<n>", "new-customer",
   *  "cart-value", "region:<r>", "page:<p>" or "all". */
  reason: string;
}

export interface Decision {
  bundleVersion: string;
  stockEpoch: number;
  /** null when no profile was used (none given, or no personalization consent). */
  profileVersion: number | null;
  now: number;
}

export interface RankResponse {
  items: RankedItem[];
  promotions: ShownPromotion[];
  /** One per experiment of the bundle, in bundle order. */
  assignments: Assignment[];
  /** The documents to store back; null unless `stickyBuckets` were given. */
  stickyBuckets: StickyBucketDoc[] | null;
  decision: Decision;
}

/** A customer profile, readable form (what `decodeProfile` returns). */
export interface Profile {
  schema?: number;
  /** Pseudonymous id: never a name or an e-mail address. */
  customerId: string;
  version?: number;
  /** ms since 1970 (kept to the minute). */
  updatedAt: number;
  consent?: { personalization?: boolean; marketing?: boolean };
  segment?: string;
  cohort?: string;
  region?: string;
  /** Loyalty tier, 0 upwards. */
  tier?: number;
  /** 0..1 per category id (kept to whole percent). */
  categoryAffinity?: Record<string, number>;
  /** 0..1 per brand (kept to whole percent). */
  brandAffinity?: Record<string, number>;
  /** Most recent first; `at` in ms since 1970 (kept to the minute). */
  recentViews?: { product: string; at: number }[];
  /** Most recent first; `day` in days since 1970-01-01 UTC. */
  purchases?: { product: string; day: number }[];
  /** Minor units. */
  priceBand?: { low: number; high: number };
}

/** Input limits; every field has a default (docs/FORMATS.md "Limits"). */
export interface Limits {
  maxBundleBytes: number;
  maxProfileBytes: number;
  maxStockBytes: number;
  maxDepth: number;
  maxStringBytes: number;
  maxProducts: number;
  maxEdgesPerProduct: number;
  maxProfileEntries: number;
  maxSessionItems: number;
  maxResults: number;
}

export interface EngineOptions {
  limits?: Partial<Limits>;
}

export interface EngineInfo {
  bundleVersion: string;
  products: number;
  categories: number;
  promotions: number;
  experiments: number;
  stockEpoch: number;
  /** ms since 1970 when the stock was read (0: no stock yet). */
  stockAsOf: number;
  stockKnown: number;
}

/** A product as a storefront renders it. */
export interface Product {
  id: string;
  name: string;
  /** Category id and name. */
  category: string;
  categoryName: string;
  brand?: string;
  /** Minor units. */
  price: number;
  currency?: string;
  url?: string;
  image?: string;
  /** The product's own stock level, null when unknown. */
  stock: number | null;
  durable: boolean;
}
"#;
