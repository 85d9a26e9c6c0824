/** A growable little-endian byte buffer for GGUF headers (metadata and tensor infos). */
export class ByteWriter {
  private buffer = new Uint8Array(4096);
  private view = new DataView(this.buffer.buffer);
  private static readonly encoder = new TextEncoder();
  length = 0;

  /** Claims `bytes` bytes and returns their offset; may replace `buffer`/`view`, so call it before reading them. */
  private reserve(bytes: number): number {
    const at = this.length;
    if (at + bytes > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + bytes));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += bytes;
    return at;
  }

  uint8(value: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, value);
  }
  int8(value: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, value);
  }
  uint16(value: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, value, true);
  }
  int16(value: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, value, true);
  }
  uint32(value: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
  }
  int32(value: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, value, true);
  }
  float32(value: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, value, true);
  }
  float64(value: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, value, true);
  }
  uint64(value: bigint | number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value), true);
  }
  int64(value: bigint | number): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt(value), true);
  }
  /** A GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  string(value: string): void {
    const bytes = ByteWriter.encoder.encode(value);
    this.uint64(bytes.length);
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }
  /** Zero bytes up to the next multiple of `alignment`. */
  padTo(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    const at = this.reserve(padding);
    this.buffer.fill(0, at, this.length);
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
