// Checks of the trace log done in the browser, with WebCrypto only (no library, no server help).
//
// - RFC 9162 (Certificate Transparency v2) Merkle tree hashing with SHA-256:
//   leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right), and the inclusion
//   proof check of RFC 9162 section 2.1.3.2 (0-based indices, sizes as BigInt up to 2^64-1).
// - C2SP signed notes and tlog checkpoints (golang.org/x/mod/sumdb/note): verifier key text
//   `name+keyid+base64(0x01 || Ed25519 public key)`, key ID = SHA-256(name || 0x0A || 0x01 ||
//   key)[:4], signature lines `— name base64(keyid || signature)`, the signature covering the
//   note text up to and including the newline before the blank line.
// - verifyBatch(): a lot's events (their stored bytes) against the signed checkpoint.
//
// WebCrypto needs a secure context (https:, or http: on localhost / 127.0.0.1).

export class ProofError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProofError";
  }
}

export class NoteError extends Error {
  constructor(message) {
    super(message);
    this.name = "NoteError";
  }
}

/** Stage names (of ruralflow.trace.epcis.stage_of): Chinese / English. */
export const STAGES = {
  harvest: ["采收", "harvest"],
  grading: ["分级", "grading"],
  precooling: ["预冷", "pre-cooling"],
  storage: ["冷藏", "cold storage"],
  packing: ["包装", "packing"],
  shipping: ["发运", "shipping"],
  transport: ["运输", "transport"],
  receiving: ["收货", "receiving"],
  sale: ["销售", "sale"],
  other: ["其他", "other"],
  unreadable: ["无法读取", "unreadable"],
};

export function stageLabel(stage) {
  const s = STAGES[stage] || [String(stage || "?"), String(stage || "?")];
  return `${s[0]} / ${s[1]}`;
}

const HASH_SIZE = 32;
const EM_DASH = "\u2014";
const utf8 = new TextEncoder();

function subtle() {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    throw new Error(
      "此浏览器在非安全连接下无法使用 WebCrypto，请用 https 打开 / WebCrypto is unavailable " +
        "here (the page must be opened over https)",
    );
  }
  return globalThis.crypto.subtle;
}

export function b64decode(text) {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error(`not standard base64: ${JSON.stringify(text)}`);
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new Error(`not hex: ${text}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

/** RFC 9162 leaf hash: SHA-256(0x00 || data). */
export async function leafHash(data) {
  return sha256(concat(Uint8Array.of(0), data));
}

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). */
export async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** MTH of a list of leaf hashes (RFC 9162 section 2.1.1); the empty tree is SHA-256(""). */
export async function merkleRoot(leafHashes) {
  const n = leafHashes.length;
  if (n === 0) return sha256(new Uint8Array(0));
  if (n === 1) return leafHashes[0];
  let k = 1;
  while (k * 2 < n) k *= 2; // the largest power of two strictly below n
  return nodeHash(await merkleRoot(leafHashes.slice(0, k)), await merkleRoot(leafHashes.slice(k)));
}

function big(value, what) {
  try {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << 64n) throw new Error();
    return v;
  } catch {
    throw new ProofError(`${what} ${value} is not an integer in 0..2^64-1`);
  }
}

/** The root that `proof` gives for `leaf` at `index` in a tree of `size` (RFC 9162 2.1.3.2). */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  const fnStart = big(index, "leaf index");
  const n = big(size, "tree size");
  if (fnStart >= n) throw new ProofError(`leaf index ${fnStart} is not below the tree size ${n}`);
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
    throw new ProofError(`the leaf hash must be ${HASH_SIZE} bytes`);
  }
  let fn = fnStart;
  let sn = n - 1n;
  let r = leaf;
  for (const [i, p] of proof.entries()) {
    if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE) {
      throw new ProofError(`proof element ${i} is not ${HASH_SIZE} bytes`);
    }
    if (sn === 0n) throw new ProofError(`the proof is too long (${proof.length} hashes)`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError(`the proof is too short (${proof.length} hashes)`);
  return r;
}

/** Throws ProofError unless `proof` proves `leaf` at `index` in the tree of `size` and `root`. */
export async function verifyInclusion(index, size, leaf, proof, root) {
  const got = await rootFromInclusionProof(index, size, leaf, proof);
  if (!(root instanceof Uint8Array) || !equalBytes(got, root)) {
    throw new ProofError(
      `the proof gives root ${hex(got).slice(0, 16)}…, not the expected ` +
        `${root instanceof Uint8Array ? hex(root).slice(0, 16) : "?"}…`,
    );
  }
  return true;
}

/** Key ID of a note verifier: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export async function keyId(name, publicKey) {
  return (await sha256(concat(utf8.encode(name), Uint8Array.of(0x0a, 0x01), publicKey))).slice(0, 4);
}

/** Parse and check a verifier key text `name+keyid+base64(0x01 || key)`. */
export async function parseVerifierKey(text) {
  // name+keyid+blob, where the base64 blob may itself contain "+"
  const t = String(text).trim();
  const a = t.indexOf("+");
  const b = a < 0 ? -1 : t.indexOf("+", a + 1);
  if (a <= 0 || b < 0) throw new NoteError(`malformed verifier key ${JSON.stringify(text)}`);
  const [name, kid, blob] = [t.slice(0, a), t.slice(a + 1, b), t.slice(b + 1)];
  let raw;
  try {
    raw = b64decode(blob);
  } catch {
    throw new NoteError("the verifier key is not base64");
  }
  if (raw.length !== 33 || raw[0] !== 0x01) {
    throw new NoteError("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)");
  }
  const publicKey = raw.slice(1);
  const id = await keyId(name, publicKey);
  if (hex(id) !== kid.toLowerCase() || kid.length !== 8) {
    throw new NoteError(`verifier key ${name}: key ID ${kid} does not match the key (${hex(id)})`);
  }
  return { name, keyId: id, publicKey, text: String(text).trim() };
}

/** Verify a signed note with one trusted key; returns its text (NoteError otherwise). */
export async function openNote(note, key) {
  if (typeof note !== "string" || !note.endsWith("\n")) throw new NoteError("the note must end in a newline");
  for (const ch of note) {
    if (ch < " " && ch !== "\n") throw new NoteError(`the note has control character U+${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) throw new NoteError("the note has no blank line before its signatures");
  const text = note.slice(0, cut + 1);
  const block = note.slice(cut + 2);
  const lines = block ? block.slice(0, -1).split("\n") : [];
  if (!lines.length) throw new NoteError("the note has no signatures");
  let cryptoKey;
  try {
    cryptoKey = await subtle().importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    if (e && e.name === "NotSupportedError") {
      throw new NoteError(
        "此浏览器不支持 Ed25519 签名验证，请用新版浏览器打开 / this browser cannot verify Ed25519 " +
          "signatures (WebCrypto); open the page in a current browser",
      );
    }
    throw e;
  }
  let verified = false;
  for (const line of lines) {
    if (!line.startsWith(EM_DASH + " ")) throw new NoteError(`malformed signature line ${JSON.stringify(line)}`);
    const fields = line.slice(2).split(" ");
    if (fields.length !== 2 || !fields[0]) throw new NoteError(`malformed signature line ${JSON.stringify(line)}`);
    const [name, blob] = fields;
    let raw;
    try {
      raw = b64decode(blob);
    } catch {
      throw new NoteError(`the signature of ${name} is not base64`);
    }
    if (raw.length < 5) throw new NoteError(`the signature of ${name} is too short`);
    if (name !== key.name || !equalBytes(raw.slice(0, 4), key.keyId)) continue; // unknown key
    const ok = await subtle().verify({ name: "Ed25519" }, cryptoKey, raw.slice(4), utf8.encode(text));
    if (!ok) throw new NoteError(`the signature of the log key ${name} does not verify`);
    verified = true;
  }
  if (!verified) throw new NoteError(`the note is not signed by the log key ${key.name}+${hex(key.keyId)}`);
  return text;
}

/** Parse a checkpoint body: origin, tree size (BigInt), root hash (32 bytes), extensions. */
export function parseCheckpoint(text) {
  if (!text.endsWith("\n")) throw new NoteError("the checkpoint text must end in a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3 || lines.some((l) => !l)) throw new NoteError("the checkpoint needs three non-empty lines");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]{0,19})$/.test(sizeText)) throw new NoteError(`bad checkpoint tree size ${JSON.stringify(sizeText)}`);
  let rootHash;
  try {
    rootHash = b64decode(rootText);
  } catch {
    throw new NoteError("the checkpoint root hash is not base64");
  }
  if (rootHash.length !== HASH_SIZE) throw new NoteError(`the checkpoint root hash is not ${HASH_SIZE} bytes`);
  return { origin, size: BigInt(sizeText), rootHash, extensions };
}

/** Verify a signed checkpoint note against a verifier key text; returns the checkpoint. */
export async function verifyCheckpoint(note, keyText) {
  const key = await parseVerifierKey(keyText);
  const text = await openNote(note, key);
  return { ...parseCheckpoint(text), key };
}

/**
 * Check a lot's verification view (`/01/{gtin}/10/{lot}/verification`) in the browser.
 *
 * Every event up to the checkpoint must come with its stored bytes (`entry`) and an inclusion
 * proof; its leaf hash is computed here from the bytes, never taken from the server. Returns
 * `{ok, checkpoint, results, failures, pending}`; `failures` are one message per failed check
 * (Chinese / English), `results[i]` the outcome of `view.events[i]` with its decoded event.
 */
export async function verifyBatch(view, keyText) {
  const failures = [];
  const results = [];
  let checkpoint = null;
  try {
    if (!view || !view.checkpoint || typeof view.checkpoint.note !== "string") {
      throw new NoteError("the log has no signed checkpoint yet");
    }
    checkpoint = await verifyCheckpoint(view.checkpoint.note, keyText);
  } catch (e) {
    failures.push(`检查点签名未通过 / checkpoint signature check failed: ${e.message}`);
  }
  const events = Array.isArray(view && view.events) ? view.events : [];
  if (!events.length) failures.push("日志中没有该批次已签名的事件 / no signed events of this lot in the log");
  for (const item of events) {
    const res = { index: item.index, stage: item.stage, ok: false, error: null, event: null, leafHash: null };
    results.push(res);
    try {
      if (typeof item.entry !== "string") throw new ProofError("the server sent no stored bytes for it");
      const data = b64decode(item.entry);
      try {
        res.event = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
      } catch {
        res.event = null;
      }
      const leaf = await leafHash(data);
      res.leafHash = hex(leaf);
      const proof = item.proof && Array.isArray(item.proof.inclusion_proof) ? item.proof.inclusion_proof : null;
      if (!proof) throw new ProofError("no inclusion proof was sent for it");
      if (checkpoint) {
        try {
          await verifyInclusion(item.index, checkpoint.size, leaf, proof.map(b64decode), checkpoint.rootHash);
        } catch (e) {
          throw new ProofError(
            `存储的字节（叶哈希 ${hex(leaf).slice(0, 12)}…）与已签名的日志根不符 / its stored bytes ` +
              `(leaf hash ${hex(leaf).slice(0, 12)}…) do not match the signed log root: ${e.message}`,
          );
        }
        if (res.event === null) throw new ProofError("its stored bytes are not a JSON event");
        res.ok = true;
      }
    } catch (e) {
      res.error = e.message;
      const when = res.event && res.event.eventTime ? `, ${res.event.eventTime}` : "";
      failures.push(`事件 #${item.index}（${stageLabel(item.stage)}${when}）/ entry ${item.index}: ${e.message}`);
    }
  }
  const pending = Array.isArray(view && view.pending) ? view.pending.length : 0;
  return { ok: failures.length === 0, checkpoint, results, failures, pending };
}
