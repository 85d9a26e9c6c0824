/**
 * A hand-assembled WebAssembly module with one SIMD kernel, `abt(out, a, b, M, N, K)`:
 * out[M,N] = a[M,K] · b[N,K]ᵀ over byte pointers into its own memory, M a multiple of 2, N of 4,
 * K of 4 (callers pad). Each step of the inner loop loads 4 floats of 2 rows of `a` and 4 rows of
 * `b` and keeps a 2×4 block of f32x4 partial sums in 8 locals (registers); the lanes are summed
 * once per block. V8 compiles this to SSE/AVX: several times the scalar JavaScript kernels' speed.
 *
 * Built from bytes because there is no WebAssembly toolchain here; the opcodes are the spec's
 * (core 0x.., SIMD 0xFD-prefixed with a LEB128 sub-opcode).
 */

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  f32Add: 0x92,
  f32Store: 0x38,
  f32Load: 0x2a,
};
const simd = (code: number) => [0xfd, ...uleb(code)];
const v128Load = [...simd(0x00), 2, 0]; // memarg: align 2^2, offset 0
const v128Const0 = [...simd(0x0c), ...new Array(16).fill(0)];
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const extractLane = (lane: number) => [...simd(0x1f), lane];
const f32x4Splat = simd(0x13);
const v128LoadAt = (offset: number) => [...simd(0x00), 2, ...uleb(offset)];
const v128StoreAt = (offset: number) => [...simd(0x0b), 2, ...uleb(offset)];

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (text: string) => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];

// Locals: params 0..5 = out, a, b, M, N, K (byte pointers and counts).
const [OUT, A, B, M, N, K] = [0, 1, 2, 3, 4, 5];
// i32 locals 6..: i, j, p, kBytes, pa0, pa1, pb0, pb1, pb2, pb3, po
const [I, J, P, KB, PA0, PA1, PB0, PB1, PB2, PB3, PO] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
// v128 locals 17..: acc[r][c] = 17 + 4r + c, then va0, va1, vb.
const acc = (r: number, c: number) => 17 + 4 * r + c;
const [VA0, VA1, VB] = [25, 26, 27];

const get = (local: number) => [op.localGet, ...uleb(local)];
const set = (local: number) => [op.localSet, ...uleb(local)];
const constI32 = (value: number) => [op.i32Const, ...sleb(value)];

function kernelBody(): number[] {
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) code.push(...part);
  };
  // kBytes = K * 4
  emit(get(K), constI32(4), [op.i32Mul], set(KB));
  emit(constI32(0), set(I));
  emit([op.block, 0x40, op.loop, 0x40]); // for i in 0..M step 2
  emit(constI32(0), set(J));
  emit([op.block, 0x40, op.loop, 0x40]); // for j in 0..N step 4
  for (let r = 0; r < 2; r++) for (let c = 0; c < 4; c++) emit(v128Const0, set(acc(r, c)));
  // pa0 = a + i*kBytes; pa1 = pa0 + kBytes; pb_c = b + (j + c)*kBytes
  emit(get(A), get(I), get(KB), [op.i32Mul], [op.i32Add], [op.localTee, PA0], get(KB), [op.i32Add], set(PA1));
  emit(get(B), get(J), get(KB), [op.i32Mul], [op.i32Add], [op.localTee, PB0], get(KB), [op.i32Add]);
  emit([op.localTee, PB1], get(KB), [op.i32Add], [op.localTee, PB2], get(KB), [op.i32Add], set(PB3));
  emit(constI32(0), set(P));
  emit([op.loop, 0x40]); // for p in 0..kBytes step 16
  emit(get(PA0), get(P), [op.i32Add], v128Load, set(VA0));
  emit(get(PA1), get(P), [op.i32Add], v128Load, set(VA1));
  for (let c = 0; c < 4; c++) {
    emit(get([PB0, PB1, PB2, PB3][c]), get(P), [op.i32Add], v128Load, set(VB));
    for (let r = 0; r < 2; r++) {
      emit(get(acc(r, c)), get(r === 0 ? VA0 : VA1), get(VB), f32x4Mul, f32x4Add, set(acc(r, c)));
    }
  }
  emit(get(P), constI32(16), [op.i32Add], [op.localTee, P], get(KB), [op.i32LtU], [op.brIf, 0]);
  emit([op.end]);
  // out[(i + r)*N + j + c] = sum of acc[r][c]'s lanes
  for (let r = 0; r < 2; r++) {
    // po = out + ((i + r) * N + j) * 4
    emit(get(OUT), get(I), constI32(r), [op.i32Add], get(N), [op.i32Mul], get(J), [op.i32Add]);
    emit(constI32(4), [op.i32Mul], [op.i32Add], set(PO));
    for (let c = 0; c < 4; c++) {
      emit(get(PO), get(acc(r, c)), extractLane(0), get(acc(r, c)), extractLane(1), [op.f32Add]);
      emit(get(acc(r, c)), extractLane(2), [op.f32Add], get(acc(r, c)), extractLane(3), [op.f32Add]);
      emit([op.f32Store, 2, ...uleb(4 * c)]);
    }
  }
  emit(get(J), constI32(4), [op.i32Add], [op.localTee, J], get(N), [op.i32LtU], [op.brIf, 0]);
  emit([op.end, op.end]);
  emit(get(I), constI32(2), [op.i32Add], [op.localTee, I], get(M), [op.i32LtU], [op.brIf, 0]);
  emit([op.end, op.end, op.end]); // loop, block, function
  const locals = vec([
    [...uleb(11), I32],
    [...uleb(11), V128],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * `ab(out, a, b, M, N, K, sRow, sCol)`: out[M,N] = A · b[K,N] where A's element (i, p) is at float
 * index i·sRow + p·sCol of `a` — A·B with (sRow, sCol) = (K, 1), Aᵀ·B with (1, M) — so neither case
 * needs a transpose. SIMD along N: each step splats A(i..i+3, p) and multiplies 8 floats of b's row p
 * into a 4×8 block of sums (8 f32x4 locals). M a multiple of 4, N of 8; rows of A past the real ones
 * may read anything (their output rows are discarded).
 */
function abKernelBody(): number[] {
  // params: out, a, b, M, N, K, sRow, sCol = 0..7
  const [o, a, b, m, n, k, sRow, sCol] = [0, 1, 2, 3, 4, 5, 6, 7];
  // i32 locals 8..: i, j, p, nBytes, colBytes, pa0..pa3, pb, po
  const [i, j, p, nBytes, colBytes, pa0, pb, po] = [8, 9, 10, 11, 12, 13, 17, 18];
  // v128 locals 19..: acc[r][c] = 19 + 2r + c (r < 4, c < 2), then vb0, vb1, va
  const accAt = (r: number, c: number) => 19 + 2 * r + c;
  const [vb0, vb1, va] = [27, 28, 29];
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) code.push(...part);
  };
  emit(get(n), constI32(4), [op.i32Mul], set(nBytes));
  emit(get(sCol), constI32(4), [op.i32Mul], set(colBytes));
  emit(constI32(0), set(i));
  emit([op.block, 0x40, op.loop, 0x40]); // for i in 0..M step 4
  emit(constI32(0), set(j));
  emit([op.block, 0x40, op.loop, 0x40]); // for j in 0..N step 8
  for (let r = 0; r < 4; r++) for (let c = 0; c < 2; c++) emit(v128Const0, set(accAt(r, c)));
  // pa_r = a + (i + r)·sRow·4; pb = b + j·4
  for (let r = 0; r < 4; r++) {
    emit(get(a), get(i), constI32(r), [op.i32Add], get(sRow), [op.i32Mul], constI32(4), [op.i32Mul]);
    emit([op.i32Add], set(pa0 + r));
  }
  emit(get(b), get(j), constI32(4), [op.i32Mul], [op.i32Add], set(pb));
  emit(constI32(0), set(p));
  emit([op.loop, 0x40]); // for p in 0..K
  emit(get(pb), v128LoadAt(0), set(vb0), get(pb), v128LoadAt(16), set(vb1));
  for (let r = 0; r < 4; r++) {
    emit(get(pa0 + r), [op.f32Load, 2, 0], f32x4Splat, set(va));
    emit(get(accAt(r, 0)), get(va), get(vb0), f32x4Mul, f32x4Add, set(accAt(r, 0)));
    emit(get(accAt(r, 1)), get(va), get(vb1), f32x4Mul, f32x4Add, set(accAt(r, 1)));
    emit(get(pa0 + r), get(colBytes), [op.i32Add], set(pa0 + r));
  }
  emit(get(pb), get(nBytes), [op.i32Add], set(pb));
  emit(get(p), constI32(1), [op.i32Add], [op.localTee, p], get(k), [op.i32LtU], [op.brIf, 0]);
  emit([op.end]);
  // out[(i + r)·N + j …] = acc[r]
  for (let r = 0; r < 4; r++) {
    emit(get(o), get(i), constI32(r), [op.i32Add], get(n), [op.i32Mul], get(j), [op.i32Add]);
    emit(constI32(4), [op.i32Mul], [op.i32Add], set(po));
    emit(get(po), get(accAt(r, 0)), v128StoreAt(0), get(po), get(accAt(r, 1)), v128StoreAt(16));
  }
  emit(get(j), constI32(8), [op.i32Add], [op.localTee, j], get(n), [op.i32LtU], [op.brIf, 0]);
  emit([op.end, op.end]);
  emit(get(i), constI32(4), [op.i32Add], [op.localTee, i], get(m), [op.i32LtU], [op.brIf, 0]);
  emit([op.end, op.end, op.end]);
  const locals = vec([
    [...uleb(11), I32],
    [...uleb(11), V128],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: memory (exported as `memory`, 1 page to start), `abt` and `ab`. */
export function wasmAbtModuleBytes(): Uint8Array {
  const params = (count: number) => vec(Array.from({ length: count }, () => [I32]));
  const type = section(
    1,
    vec([
      [0x60, ...params(6), 0],
      [0x60, ...params(8), 0],
    ]),
  );
  const func = section(3, vec([[0], [1]]));
  const memory = section(5, vec([[0x00, 1]]));
  const exports = section(
    7,
    vec([
      [...name("abt"), 0x00, 0],
      [...name("ab"), 0x00, 1],
      [...name("memory"), 0x02, 0],
    ]),
  );
  const code = section(10, [...uleb(2), ...kernelBody(), ...abKernelBody()]);
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...type,
    ...func,
    ...memory,
    ...exports,
    ...code,
  ]);
}
