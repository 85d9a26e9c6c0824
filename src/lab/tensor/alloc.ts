/**
 * Every lab tensor is a Float32Array over a SharedArrayBuffer, so MatmulPool workers can read and
 * write it in place without copies.
 */
export function alloc(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
}

/** A shared copy of `values`. */
export function allocFrom(values: ArrayLike<number>): Float32Array {
  const out = alloc(values.length);
  out.set(values);
  return out;
}
