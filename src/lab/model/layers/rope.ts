/**
 * Rotary position embeddings in llama.cpp's NORMAL mode (the one `general.architecture = llama`
 * uses): within each head, adjacent pairs (x[2i], x[2i+1]) rotate by angle pos · theta^(−2i/headDim).
 * We train from scratch in this layout, so q/k export unpermuted.
 */

interface RopeTable {
  positions: number;
  /** cos and sin of pos · theta^(−2i/headDim), [positions, headDim/2]. */
  cos: Float64Array;
  sin: Float64Array;
}

// A memo of cos/sin tables per (headDim, theta): pure values, so sharing them is safe, and it saves
// ~3 transcendental calls per pair per call (4 calls per layer per step).
const tables = new Map<string, RopeTable>();

function ropeTable(positions: number, headDim: number, theta: number): RopeTable {
  const key = `${headDim}:${theta}`;
  const known = tables.get(key);
  if (known && known.positions >= positions) return known;
  const half = headDim / 2;
  const size = Math.max(positions, 2 * (known?.positions ?? 0));
  const cos = new Float64Array(size * half);
  const sin = new Float64Array(size * half);
  for (let pos = 0; pos < size; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * theta ** ((-2 * i) / headDim);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  const table = { positions: size, cos, sin };
  tables.set(key, table);
  return table;
}

/**
 * Rotates x[N, heads·headDim] in place; row n is position `n % T + positionOffset` of its sequence.
 * `inverse` rotates by −angle: the backward pass of a rotation is the opposite rotation.
 */
export function applyRope(
  x: Float32Array,
  N: number,
  T: number,
  heads: number,
  headDim: number,
  theta: number,
  inverse = false,
  positionOffset = 0,
): void {
  const D = heads * headDim;
  const half = headDim / 2;
  const sign = inverse ? -1 : 1;
  const { cos, sin } = ropeTable(Math.min(N, T) + positionOffset, headDim, theta);
  for (let n = 0; n < N; n++) {
    const pos = (n % T) + positionOffset;
    for (let i = 0; i < half; i++) {
      const c = cos[pos * half + i];
      const s = sign * sin[pos * half + i];
      for (let h = 0; h < heads; h++) {
        const o = n * D + h * headDim + 2 * i;
        const x0 = x[o];
        const x1 = x[o + 1];
        x[o] = x0 * c - x1 * s;
        x[o + 1] = x0 * s + x1 * c;
      }
    }
  }
}
