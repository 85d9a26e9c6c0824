import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeTensor,
  encodeTensor,
  floatToHalfBits,
  halfBitsToFloat,
} from "../../../src/models/gguf/encode-tensor.ts";
import { SeededRandom } from "../../../src/models/gguf/seeded-random.ts";

test("floatToHalfBits matches IEEE binary16 on exact, rounded, subnormal and special values", () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest finite half
    [65520, 0x7c00], // rounds up to infinity
    [1e6, 0x7c00],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // below half the smallest subnormal: zero
    [1 + 2 ** -11, 0x3c00], // tie, rounds to even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // tie, rounds to even (up)
    [0.1, 0x2e66],
  ];
  for (const [value, bits] of cases) {
    assert.equal(floatToHalfBits(value).toString(16), bits.toString(16), `half bits of ${value}`);
  }
  assert.equal(floatToHalfBits(Number.NaN) & 0x7c00, 0x7c00);
  assert.notEqual(floatToHalfBits(Number.NaN) & 0x3ff, 0);
});

test("halfBitsToFloat inverts floatToHalfBits for every finite half", () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    if ((bits & 0x7c00) === 0x7c00) continue; // Inf and NaN
    const value = halfBitsToFloat(bits);
    assert.equal(floatToHalfBits(value), bits === 0x8000 ? 0x8000 : bits);
  }
});

test("F32 and F16 encodings round-trip; Q8_0 stays within half a quantisation step", () => {
  const data = new SeededRandom(7).gaussians(256, 1);
  assert.deepEqual(decodeTensor(encodeTensor(data, "F32"), "F32"), data);

  const half = decodeTensor(encodeTensor(data, "F16"), "F16");
  for (let i = 0; i < data.length; i++)
    assert.ok(Math.abs(half[i] - data[i]) <= Math.abs(data[i]) * 2 ** -11 + 1e-7);

  const q8 = encodeTensor(data, "Q8_0");
  assert.equal(q8.length, (256 / 32) * 34);
  const back = decodeTensor(q8, "Q8_0");
  for (let block = 0; block < 8; block++) {
    const slice = data.subarray(block * 32, block * 32 + 32);
    const step = Math.max(...slice.map(Math.abs)) / 127;
    for (let i = 0; i < 32; i++) {
      assert.ok(
        Math.abs(back[block * 32 + i] - slice[i]) <= step * 0.5 + step * 2 ** -10,
        `value ${block * 32 + i}`,
      );
    }
  }
  // The largest magnitude in a block maps to ±127 exactly.
  const view = new DataView(q8.buffer);
  const first = data.subarray(0, 32);
  const maxIndex = first.reduce((best, v, i) => (Math.abs(v) > Math.abs(first[best]) ? i : best), 0);
  assert.equal(Math.abs(view.getInt8(2 + maxIndex)), 127);
});

test("Q8_0 rejects lengths that are not whole blocks", () => {
  assert.throws(() => encodeTensor(new Float32Array(33), "Q8_0"), { code: "BAD_REQUEST" });
});
