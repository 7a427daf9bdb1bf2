/**
 * iden3's binary container (`@iden3/binfileutils`), used by .zkey, .wtns, .r1cs and .ptau:
 *   magic (4 ASCII bytes) ‖ version u32 ‖ nSections u32 ‖ nSections × (type u32 ‖ size u64 ‖ size bytes)
 * all little-endian. Sections may come in any order; a type may repeat (readers take the unique ones).
 */

export interface BinSection {
  /** Byte offset of the section's data in the file. */
  readonly offset: number;
  readonly size: number;
}

export interface BinFile {
  readonly bytes: Uint8Array;
  readonly type: string;
  readonly version: number;
  readonly sections: ReadonlyMap<number, readonly BinSection[]>;
}

/** Thrown by the parsers here; callers turn it into their own error code. */
export class BinFileError extends Error {
  constructor(
    message: string,
    readonly hint = '',
  ) {
    super(message);
    this.name = 'BinFileError';
  }
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** u64 LE as a number (sizes; anything ≥ 2^53 is rejected). */
function readU64(view: DataView, offset: number): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  if (hi >= 0x200000) throw new BinFileError(`a section size at byte ${offset} is absurdly large`);
  return hi * 0x1_0000_0000 + lo;
}

/**
 * A plain Uint8Array view of the same bytes. Node's Buffer `slice` makes views, not copies: ffjavascript slices
 * its inputs into worker tasks, and a Buffer view would make every task clone the whole underlying file.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function parseBinFile(input: Uint8Array, type: string, maxVersion: number): BinFile {
  const bytes = plainBytes(input);
  if (bytes.length < 12) throw new BinFileError(`${bytes.length} bytes is too short for a .${type} file`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== type) {
    throw new BinFileError(`not a .${type} file (magic "${printable(magic)}")`, `the file does not start with "${type}"`);
  }
  const view = dataView(bytes);
  const version = view.getUint32(4, true);
  if (version < 1 || version > maxVersion) throw new BinFileError(`.${type} version ${version} is not supported (1..${maxVersion})`);
  const n = view.getUint32(8, true);
  const sections = new Map<number, BinSection[]>();
  let p = 12;
  for (let i = 0; i < n; i++) {
    if (p + 12 > bytes.length) throw new BinFileError(`the file is truncated: section ${i + 1} of ${n} has no header`);
    const id = view.getUint32(p, true);
    const size = readU64(view, p + 4);
    p += 12;
    if (p + size > bytes.length) throw new BinFileError(`the file is truncated: section ${id} needs ${size} bytes, ${bytes.length - p} remain`);
    const list = sections.get(id) ?? [];
    list.push({ offset: p, size });
    sections.set(id, list);
    p += size;
  }
  return { bytes, type, version, sections };
}

/** The data of a section that must appear exactly once (a view, not a copy). */
export function uniqueSection(file: BinFile, id: number, name: string): Uint8Array {
  const list = file.sections.get(id);
  if (!list || list.length === 0) throw new BinFileError(`the .${file.type} file has no section ${id} (${name})`);
  if (list.length > 1) throw new BinFileError(`the .${file.type} file has ${list.length} sections ${id} (${name})`);
  return file.bytes.subarray(list[0].offset, list[0].offset + list[0].size);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** Little-endian unsigned integer from `len` bytes. */
export function readUintLE(bytes: Uint8Array, offset: number, len: number): bigint {
  let x = 0n;
  for (let i = offset + len - 1; i >= offset; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/** Builds a binfile in memory, section by section. */
export class BinFileWriter {
  private readonly parts: Uint8Array[] = [];
  private count = 0;

  constructor(
    private readonly type: string,
    private readonly version: number,
  ) {
    if (type.length !== 4) throw new RangeError('binfile types are 4 characters');
  }

  /** Appends a section whose data is the concatenation of `chunks`. */
  section(id: number, ...chunks: Uint8Array[]): void {
    const size = chunks.reduce((s, c) => s + c.length, 0);
    const header = new Uint8Array(12);
    const v = dataView(header);
    v.setUint32(0, id, true);
    v.setUint32(4, size % 0x1_0000_0000, true);
    v.setUint32(8, Math.floor(size / 0x1_0000_0000), true);
    this.parts.push(header, ...chunks);
    this.count++;
  }

  finish(): Uint8Array {
    const head = new Uint8Array(12);
    for (let i = 0; i < 4; i++) head[i] = this.type.charCodeAt(i);
    const v = dataView(head);
    v.setUint32(4, this.version, true);
    v.setUint32(8, this.count, true);
    const total = this.parts.reduce((s, c) => s + c.length, 12);
    const out = new Uint8Array(total);
    out.set(head, 0);
    let p = 12;
    for (const c of this.parts) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}

/** u32 LE bytes. */
export function u32LE(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const v = dataView(out);
  values.forEach((x, i) => v.setUint32(4 * i, x, true));
  return out;
}
