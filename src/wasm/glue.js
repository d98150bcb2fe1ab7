// The hot path's two crossings between JavaScript and wasm, done in bulk.
//
// Reading a request object field by field from wasm costs a boundary crossing per value
// (about 15 us for a typical request); building the response object the same way costs
// another 8 us. Instead, `pack` writes the request as MessagePack in one pass here, and
// the Rust side validates it exactly like a snapshot; `rankResponse` builds the response
// from one string and one array of numbers. Nothing here validates: every check is in
// Rust, so the rules are the same for the browser, the edge and the server.

let buf = new Uint8Array(1024);
let view = new DataView(buf.buffer);
let pos = 0;
const encoder = new TextEncoder();
// Values JavaScript has and MessagePack does not (functions, symbols, Dates, Maps,
// cycles) become an extension value the Rust side refuses with the field's path.
const UNSUPPORTED = 0x01;
const MAX_DEPTH = 64;

function room(n) {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function head(len, fix, fixMax, m8, m16, m32) {
  // the shortest MessagePack header for a string, array or map of `len` entries
  room(5);
  if (len < fixMax) {
    buf[pos++] = fix | len;
  } else if (m8 !== 0 && len < 0x100) {
    buf[pos++] = m8;
    buf[pos++] = len;
  } else if (len < 0x10000) {
    buf[pos] = m16;
    view.setUint16(pos + 1, len);
    pos += 3;
  } else {
    buf[pos] = m32;
    view.setUint32(pos + 1, len);
    pos += 5;
  }
}

function str(s) {
  // ASCII is the common case for ids and keys: copy code units directly.
  const n = s.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    head(n, 0xa0, 32, 0xd9, 0xda, 0xdb);
    room(n);
    for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
    pos += n;
    return;
  }
  room(5 + n * 3);
  const start = pos;
  pos += 5;
  const { written } = encoder.encodeInto(s, buf.subarray(pos));
  buf[start] = 0xdb; // always str32 here: the length is known only after encoding
  view.setUint32(start + 1, written);
  pos += written;
}

function unsupported(what) {
  const bytes = encoder.encode(what);
  room(6 + bytes.length);
  buf[pos++] = 0xc7; // ext8
  buf[pos++] = bytes.length;
  buf[pos++] = UNSUPPORTED;
  buf.set(bytes, pos);
  pos += bytes.length;
}

function isPlainObject(v) {
  if (typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function value(v, depth) {
  if (v === null || v === undefined) {
    room(1);
    buf[pos++] = 0xc0;
  } else if (typeof v === "boolean") {
    room(1);
    buf[pos++] = v ? 0xc3 : 0xc2;
  } else if (typeof v === "number") {
    room(9);
    if (v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
      buf[pos] = 0xce;
      view.setUint32(pos + 1, v);
      pos += 5;
    } else {
      // Everything else as float64, NaN and infinities included: the Rust side accepts
      // integral floats where integers are due and refuses the rest with the field's path.
      buf[pos] = 0xcb;
      view.setFloat64(pos + 1, v);
      pos += 9;
    }
  } else if (typeof v === "string") {
    str(v);
  } else if (depth >= MAX_DEPTH) {
    unsupported("value nested too deep");
  } else if (v instanceof Uint8Array) {
    room(5 + v.length);
    buf[pos] = 0xc6;
    view.setUint32(pos + 1, v.length);
    buf.set(v, pos + 5);
    pos += 5 + v.length;
  } else if (Array.isArray(v)) {
    head(v.length, 0x90, 16, 0, 0xdc, 0xdd);
    for (let i = 0; i < v.length; i++) value(v[i], depth + 1);
  } else if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    head(keys.length, 0x80, 16, 0, 0xde, 0xdf);
    for (const k of keys) {
      str(k);
      value(v[k], depth + 1);
    }
  } else {
    unsupported(typeof v === "object" ? (v.constructor && v.constructor.name) || "object" : typeof v);
  }
}

/** Packs a JavaScript value as MessagePack (a view into a reused buffer). */
export function pack(v) {
  pos = 0;
  value(v, 0);
  return buf.subarray(0, pos);
}

/**
 * Builds a rank response. `text` holds every string back to back; `nums` holds, in
 * order: stockEpoch, profileVersion (NaN for null), now, then the item count and per item
 * its id length, score, reason count and each reason's length, then the promotion count
 * and per promotion its id length, product count, each product id's length and its
 * reason's length, then the assignment count and per assignment its experiment key's
 * length, variant, variation key's length and flags (1 in experiment, 2 hash used,
 * 4 sticky bucket used), then the sticky bucket document count (-1 for none) and per
 * document its attribute name's and value's lengths, assignment count and each
 * assignment's key and value lengths, and last the bundle version's length. Lengths are
 * UTF-16 code units.
 */
export function rankResponse(text, nums) {
  let t = 0;
  let n = 0;
  const take = (len) => text.slice(t, (t += len));
  const stockEpoch = nums[n++];
  const profileVersion = nums[n++];
  const now = nums[n++];
  const items = new Array(nums[n++]);
  for (let i = 0; i < items.length; i++) {
    const id = take(nums[n++]);
    const score = nums[n++];
    const reasons = new Array(nums[n++]);
    for (let r = 0; r < reasons.length; r++) reasons[r] = take(nums[n++]);
    items[i] = { id, score, reasons };
  }
  const promotions = new Array(nums[n++]);
  for (let i = 0; i < promotions.length; i++) {
    const id = take(nums[n++]);
    const products = new Array(nums[n++]);
    for (let p = 0; p < products.length; p++) products[p] = take(nums[n++]);
    promotions[i] = { id, products, reason: take(nums[n++]) };
  }
  const assignments = new Array(nums[n++]);
  for (let i = 0; i < assignments.length; i++) {
    const experiment = take(nums[n++]);
    const variant = nums[n++];
    const key = take(nums[n++]);
    const flags = nums[n++];
    assignments[i] = {
      experiment,
      variant,
      key,
      inExperiment: (flags & 1) !== 0,
      hashUsed: (flags & 2) !== 0,
      stickyBucketUsed: (flags & 4) !== 0,
    };
  }
  let stickyBuckets = null;
  const docs = nums[n++];
  if (docs >= 0) {
    stickyBuckets = new Array(docs);
    for (let i = 0; i < docs; i++) {
      const attributeName = take(nums[n++]);
      const attributeValue = take(nums[n++]);
      const count = nums[n++];
      const assigned = {};
      for (let a = 0; a < count; a++) {
        const k = take(nums[n++]);
        assigned[k] = take(nums[n++]);
      }
      stickyBuckets[i] = { attributeName, attributeValue, assignments: assigned };
    }
  }
  const bundleVersion = take(nums[n++]);
  return {
    items,
    promotions,
    assignments,
    stickyBuckets,
    decision: {
      bundleVersion,
      stockEpoch,
      profileVersion: Number.isNaN(profileVersion) ? null : profileVersion,
      now,
    },
  };
}
