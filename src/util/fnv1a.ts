/**
 * 32-bit FNV-1a over UTF-16 code units, and MurmurHash3's finaliser: the one small string hash in
 * deliberate (seed derivation, prefix routing, synthetic seeds). Stable across platforms; not for
 * anything adversarial.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of `text`, continuing from `hash` (default the FNV offset basis). */
export function fnv1a(text: string, hash: number = FNV_OFFSET): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: spreads FNV-1a's last bytes into the high bits. */
export function mix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
