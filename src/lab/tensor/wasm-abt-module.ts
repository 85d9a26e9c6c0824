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
};
const simd = (code: number) => [0xfd, ...uleb(code)];
const v128Load = [...simd(0x00), 2, 0]; // memarg: align 2^2, offset 0
const v128Const0 = [...simd(0x0c), ...new Array(16).fill(0)];
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const extractLane = (lane: number) => [...simd(0x1f), lane];

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

/** The module's bytes: memory (exported as `memory`, 1 page to start) and `abt`. */
export function wasmAbtModuleBytes(): Uint8Array {
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0]]));
  const func = section(3, vec([[0]]));
  const memory = section(5, vec([[0x00, 1]]));
  const exports = section(
    7,
    vec([
      [...name("abt"), 0x00, 0],
      [...name("memory"), 0x02, 0],
    ]),
  );
  const code = section(10, [...uleb(1), ...kernelBody()]);
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
