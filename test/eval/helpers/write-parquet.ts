/**
 * A minimal Parquet writer for test fixtures: one row group, one uncompressed PLAIN data page per
 * column, REQUIRED string (UTF8) and int32 columns. hyparquet only reads, and a fixture written by
 * the test itself keeps binary files out of the repository.
 *
 * Layout: "PAR1" | column chunks (page header + values) | FileMetaData (Thrift compact) | length | "PAR1".
 */
import { writeFileSync } from "node:fs";

type Column = { name: string; values: string[] } | { name: string; values: number[]; int: true };

/** Thrift compact protocol, only what the metadata needs. */
class Compact {
  bytes: number[] = [];
  private last: number[] = [0];

  private varint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  private zigzag(value: number): void {
    const v = BigInt(value);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  private header(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, value: number): this {
    this.header(id, 5);
    this.zigzag(value);
    return this;
  }
  i64(id: number, value: number): this {
    this.header(id, 6);
    this.zigzag(value);
    return this;
  }
  string(id: number, value: string): this {
    this.header(id, 8);
    const data = Buffer.from(value, "utf8");
    this.varint(BigInt(data.length));
    this.bytes.push(...data);
    return this;
  }
  struct(id: number, body: (w: Compact) => void): this {
    this.header(id, 12);
    this.last.push(0);
    body(this);
    this.bytes.push(0);
    this.last.pop();
    return this;
  }
  private listHeader(size: number, type: number): void {
    if (size < 15) this.bytes.push((size << 4) | type);
    else {
      this.bytes.push(0xf0 | type);
      this.varint(BigInt(size));
    }
  }
  listI32(id: number, values: number[]): this {
    this.header(id, 9);
    this.listHeader(values.length, 5);
    for (const v of values) this.zigzag(v);
    return this;
  }
  listString(id: number, values: string[]): this {
    this.header(id, 9);
    this.listHeader(values.length, 8);
    for (const v of values) {
      const data = Buffer.from(v, "utf8");
      this.varint(BigInt(data.length));
      this.bytes.push(...data);
    }
    return this;
  }
  listStruct<T>(id: number, items: T[], body: (w: Compact, item: T) => void): this {
    this.header(id, 9);
    this.listHeader(items.length, 12);
    for (const item of items) {
      this.last.push(0);
      body(this, item);
      this.bytes.push(0);
      this.last.pop();
    }
    return this;
  }
  end(): Buffer {
    this.bytes.push(0);
    return Buffer.from(this.bytes);
  }
}

function plainValues(column: Column): Buffer {
  if ("int" in column) {
    const out = Buffer.alloc(column.values.length * 4);
    column.values.forEach((v, i) => {
      out.writeInt32LE(v, i * 4);
    });
    return out;
  }
  return Buffer.concat(
    column.values.map((v) => {
      const data = Buffer.from(v, "utf8");
      const length = Buffer.alloc(4);
      length.writeUInt32LE(data.length);
      return Buffer.concat([length, data]);
    }),
  );
}

export function writeParquet(path: string, columns: Column[]): void {
  const rows = columns[0].values.length;
  const parts: Buffer[] = [Buffer.from("PAR1")];
  let offset = 4;
  const chunks: Array<{ column: Column; offset: number; size: number }> = [];
  for (const column of columns) {
    const values = plainValues(column);
    const header = new Compact()
      .i32(1, 0) // DATA_PAGE
      .i32(2, values.length)
      .i32(3, values.length)
      .struct(5, (w) => w.i32(1, rows).i32(2, 0).i32(3, 3).i32(4, 3))
      .end();
    chunks.push({ column, offset, size: header.length + values.length });
    parts.push(header, values);
    offset += header.length + values.length;
  }
  const metadata = new Compact()
    .i32(1, 1)
    .listStruct(2, [null, ...columns], (w, column) => {
      if (column === null) {
        w.string(4, "schema").i32(5, columns.length);
        return;
      }
      // BYTE_ARRAY (6) with converted type UTF8 (0), or INT32 (1); REQUIRED (0).
      if ("int" in column) w.i32(1, 1).i32(3, 0).string(4, column.name);
      else w.i32(1, 6).i32(3, 0).string(4, column.name).i32(6, 0);
    })
    .i64(3, rows)
    .listStruct(4, [0], (w) => {
      w.listStruct(1, chunks, (c, chunk) => {
        c.i64(2, chunk.offset).struct(3, (m) =>
          m
            .i32(1, "int" in chunk.column ? 1 : 6)
            .listI32(2, [0])
            .listString(3, [chunk.column.name])
            .i32(4, 0)
            .i64(5, rows)
            .i64(6, chunk.size)
            .i64(7, chunk.size)
            .i64(9, chunk.offset),
        );
      });
      w.i64(2, offset - 4).i64(3, rows);
    })
    .end();
  const length = Buffer.alloc(4);
  length.writeUInt32LE(metadata.length);
  parts.push(metadata, length, Buffer.from("PAR1"));
  writeFileSync(path, Buffer.concat(parts));
}
