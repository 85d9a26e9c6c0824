/**
 * Encoding float data into the tensor types our writer supports (F32, F16, Q8_0), little-endian as
 * GGUF requires. Q8_0 follows ggml's reference quantiser: blocks of 32 values, one f16 scale
 * `d = max|x| / 127` and 32 int8s `round(x / d)`.
 */
import { DeliberateError } from "../../errors.ts";
import type { GgufWritableTensorType } from "./ggml-types.ts";

const Q8_0_BLOCK = 32;
const scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 binary16 bits of a number, rounded to nearest even (Node 20 has no Float16Array). */
export function floatToHalfBits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half: the implicit leading 1 becomes explicit and the value shifts right.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(mantissa, shift);
  }
  // A carry out of the mantissa rolls into the exponent, which is the correct rounding (up to Inf).
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return rest > halfway || (rest === halfway && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The number a binary16 bit pattern stands for. */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Encodes float data as the bytes of a tensor of the given type. */
export function encodeTensor(data: Float32Array, type: GgufWritableTensorType): Uint8Array {
  switch (type) {
    case "F32": {
      const out = new Uint8Array(data.length * 4);
      const view = new DataView(out.buffer);
      for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
      return out;
    }
    case "F16": {
      const out = new Uint8Array(data.length * 2);
      const view = new DataView(out.buffer);
      for (let i = 0; i < data.length; i++) view.setUint16(i * 2, floatToHalfBits(data[i]), true);
      return out;
    }
    case "Q8_0":
      return encodeQ8_0(data);
    default:
      throw new DeliberateError("BAD_REQUEST", `unsupported tensor type \`${type satisfies never}\``);
  }
}

function encodeQ8_0(data: Float32Array): Uint8Array {
  if (data.length % Q8_0_BLOCK !== 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${data.length}`,
    );
  }
  const blocks = data.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * (2 + Q8_0_BLOCK));
  const view = new DataView(out.buffer);
  for (let block = 0; block < blocks; block++) {
    const start = block * Q8_0_BLOCK;
    let max = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) max = Math.max(max, Math.abs(data[start + i]));
    const scale = max / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    const at = block * (2 + Q8_0_BLOCK);
    view.setUint16(at, floatToHalfBits(scale), true);
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const scaled = data[start + i] * inverse;
      // ggml rounds half away from zero (roundf); Math.round alone rounds -0.5 up.
      view.setInt8(at + 2 + i, Math.sign(scaled) * Math.round(Math.abs(scaled)));
    }
  }
  return out;
}

/** Decodes tensor bytes of a type we write back into floats (the inverse of `encodeTensor`, up to rounding). */
export function decodeTensor(bytes: Uint8Array, type: GgufWritableTensorType): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case "F32": {
      const out = new Float32Array(bytes.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case "F16": {
      const out = new Float32Array(bytes.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = halfBitsToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case "Q8_0": {
      const blockBytes = 2 + Q8_0_BLOCK;
      const out = new Float32Array((bytes.length / blockBytes) * Q8_0_BLOCK);
      for (let block = 0; block < bytes.length / blockBytes; block++) {
        const at = block * blockBytes;
        const scale = halfBitsToFloat(view.getUint16(at, true));
        for (let i = 0; i < Q8_0_BLOCK; i++) out[block * Q8_0_BLOCK + i] = scale * view.getInt8(at + 2 + i);
      }
      return out;
    }
    default:
      throw new DeliberateError("BAD_REQUEST", `unsupported tensor type \`${type satisfies never}\``);
  }
}
