/**
 * Little-endian reads over a prefix of a GGUF file. When a read runs past the loaded prefix it throws
 * `NeedMoreBytes`, and the caller reloads a longer prefix and parses again; this keeps parsing
 * synchronous and fast while never reading tensor data.
 */

/** Thrown when the loaded prefix is too short; `needed` is the total prefix length that would do. */
export class NeedMoreBytes {
  constructor(readonly needed: number) {}
}

/** Thrown when the file itself is too short for what its header says. */
export class PastEndOfFile {
  constructor(
    readonly needed: number,
    readonly what: string,
  ) {}
}

export class ByteReader {
  private readonly view: DataView;
  private static readonly decoder = new TextDecoder("utf-8", { fatal: false });
  position = 0;
  /** What is being read, for error messages ("metadata key 3", "tensor info 7"). */
  context = "header";

  constructor(
    private readonly bytes: Uint8Array,
    /** The whole file's size; reads past it are truncation, reads past `bytes` need a longer prefix. */
    private readonly fileSize: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Claims `count` bytes at the current position and returns where they start. */
  private take(count: number): number {
    const end = this.position + count;
    if (end > this.fileSize) throw new PastEndOfFile(end, this.context);
    if (end > this.bytes.length) throw new NeedMoreBytes(end);
    const at = this.position;
    this.position = end;
    return at;
  }

  /** Fails early when `count` items of at least `itemBytes` each cannot fit in the rest of the file. */
  expectRoom(count: number, itemBytes: number): void {
    const end = this.position + count * itemBytes;
    if (end > this.fileSize) throw new PastEndOfFile(end, this.context);
  }

  uint8(): number {
    return this.view.getUint8(this.take(1));
  }
  int8(): number {
    return this.view.getInt8(this.take(1));
  }
  uint16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  int16(): number {
    return this.view.getInt16(this.take(2), true);
  }
  uint32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  int32(): number {
    return this.view.getInt32(this.take(4), true);
  }
  float32(): number {
    return this.view.getFloat32(this.take(4), true);
  }
  float64(): number {
    return this.view.getFloat64(this.take(8), true);
  }
  uint64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }
  int64(): bigint {
    return this.view.getBigInt64(this.take(8), true);
  }
  /** A uint64 that must fit a JavaScript number (counts, lengths, offsets). */
  size(): number {
    const value = this.uint64();
    // Anything beyond 2^53 cannot be a real count or offset in a file we can read.
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  }
  string(): string {
    const length = this.size();
    const at = this.take(length);
    return ByteReader.decoder.decode(this.bytes.subarray(at, at + length));
  }
}
