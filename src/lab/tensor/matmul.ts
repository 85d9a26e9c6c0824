// biome-ignore-all format: the 4×4 register blocks read best as one row of the block per line
/**
 * Register-blocked Float32Array matrix products, row-major, for the three shapes a linear layer needs:
 *
 *   forward   y  = x · Wᵀ      matmulABt   (W is [out, in], the GGUF/PyTorch layout)
 *   backward  dx = dy · W      matmulAB
 *             dW = dyᵀ · x     matmulAtB
 *
 * Each kernel computes output rows [rowStart, rowEnd) only, so a thread pool can split the rows
 * between cores. The inner loops keep a 4×4 block of the output in 16 locals (registers), which
 * cuts loads per multiply-add from 2 to 0.5 and is ~4x faster than a naive i-k-j loop in V8.
 * `accumulate` adds into `out` instead of overwriting it (gradient accumulation).
 *
 * The functions are self-contained (no imports, no closures) because worker threads run them too.
 */

/** out[M,N] (+)= a[M,K] · b[K,N], rows [rowStart, rowEnd) of out. */
export function matmulAB(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
  rowStart = 0,
  rowEnd = M,
): void {
  const N4 = N - (N % 4);
  let i = rowStart;
  for (; i + 3 < rowEnd; i += 4) {
    const a0 = i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < K; p++) {
        const bp = p * N + j;
        const b0 = b[bp], b1 = b[bp + 1], b2 = b[bp + 2], b3 = b[bp + 3];
        const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
        c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
        c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
        c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
        c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
      }
      const o0 = i * N + j;
      const o1 = o0 + N;
      const o2 = o1 + N;
      const o3 = o2 + N;
      if (accumulate) {
        out[o0] += c00; out[o0 + 1] += c01; out[o0 + 2] += c02; out[o0 + 3] += c03;
        out[o1] += c10; out[o1 + 1] += c11; out[o1 + 2] += c12; out[o1 + 3] += c13;
        out[o2] += c20; out[o2 + 1] += c21; out[o2 + 2] += c22; out[o2 + 3] += c23;
        out[o3] += c30; out[o3 + 1] += c31; out[o3 + 2] += c32; out[o3 + 3] += c33;
      } else {
        out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
        out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
        out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
        out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
      }
    }
    // Leftover columns (N not a multiple of 4).
    for (let r = i; r < i + 4; r++) {
      for (let j = N4; j < N; j++) {
        let s = 0;
        for (let p = 0; p < K; p++) s += a[r * K + p] * b[p * N + j];
        out[r * N + j] = accumulate ? out[r * N + j] + s : s;
      }
    }
  }
  // Leftover rows, one at a time.
  for (; i < rowEnd; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
      out[i * N + j] = accumulate ? out[i * N + j] + s : s;
    }
  }
}

/** out[M,N] (+)= a[M,K] · b[N,K]ᵀ, rows [rowStart, rowEnd) of out. Both operands are read along K. */
export function matmulABt(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
  rowStart = 0,
  rowEnd = M,
): void {
  const N4 = N - (N % 4);
  let i = rowStart;
  for (; i + 3 < rowEnd; i += 4) {
    const a0 = i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    for (let j = 0; j < N4; j += 4) {
      const b0 = j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < K; p++) {
        const y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
        const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const o0 = i * N + j;
      const o1 = o0 + N;
      const o2 = o1 + N;
      const o3 = o2 + N;
      if (accumulate) {
        out[o0] += c00; out[o0 + 1] += c01; out[o0 + 2] += c02; out[o0 + 3] += c03;
        out[o1] += c10; out[o1 + 1] += c11; out[o1 + 2] += c12; out[o1 + 3] += c13;
        out[o2] += c20; out[o2 + 1] += c21; out[o2 + 2] += c22; out[o2 + 3] += c23;
        out[o3] += c30; out[o3 + 1] += c31; out[o3 + 2] += c32; out[o3 + 3] += c33;
      } else {
        out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
        out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
        out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
        out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
      }
    }
    for (let r = i; r < i + 4; r++) {
      for (let j = N4; j < N; j++) {
        let s = 0;
        for (let p = 0; p < K; p++) s += a[r * K + p] * b[j * K + p];
        out[r * N + j] = accumulate ? out[r * N + j] + s : s;
      }
    }
  }
  for (; i < rowEnd; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p] * b[j * K + p];
      out[i * N + j] = accumulate ? out[i * N + j] + s : s;
    }
  }
}

/** out[M,N] (+)= a[K,M]ᵀ · b[K,N], rows [rowStart, rowEnd) of out. Used for weight gradients (K = tokens). */
export function matmulAtB(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
  rowStart = 0,
  rowEnd = M,
): void {
  const N4 = N - (N % 4);
  let i = rowStart;
  for (; i + 3 < rowEnd; i += 4) {
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < K; p++) {
        const ap = p * M + i;
        const bp = p * N + j;
        const x0 = a[ap], x1 = a[ap + 1], x2 = a[ap + 2], x3 = a[ap + 3];
        const y0 = b[bp], y1 = b[bp + 1], y2 = b[bp + 2], y3 = b[bp + 3];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const o0 = i * N + j;
      const o1 = o0 + N;
      const o2 = o1 + N;
      const o3 = o2 + N;
      if (accumulate) {
        out[o0] += c00; out[o0 + 1] += c01; out[o0 + 2] += c02; out[o0 + 3] += c03;
        out[o1] += c10; out[o1 + 1] += c11; out[o1 + 2] += c12; out[o1 + 3] += c13;
        out[o2] += c20; out[o2 + 1] += c21; out[o2 + 2] += c22; out[o2 + 3] += c23;
        out[o3] += c30; out[o3 + 1] += c31; out[o3 + 2] += c32; out[o3 + 3] += c33;
      } else {
        out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
        out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
        out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
        out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
      }
    }
    for (let r = i; r < i + 4; r++) {
      for (let j = N4; j < N; j++) {
        let s = 0;
        for (let p = 0; p < K; p++) s += a[p * M + r] * b[p * N + j];
        out[r * N + j] = accumulate ? out[r * N + j] + s : s;
      }
    }
  }
  for (; i < rowEnd; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[p * M + i] * b[p * N + j];
      out[i * N + j] = accumulate ? out[i * N + j] + s : s;
    }
  }
}

/** The plain i-k-j loop: the baseline the benchmark compares against, and the reference in tests. */
export function matmulNaive(out: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number): void {
  out.fill(0, 0, M * N);
  for (let i = 0; i < M; i++) {
    for (let p = 0; p < K; p++) {
      const x = a[i * K + p];
      for (let j = 0; j < N; j++) out[i * N + j] += x * b[p * N + j];
    }
  }
}
