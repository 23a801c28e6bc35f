// The few OPC UA binary encodings (Part 6, 5.2) the discovery services need, written for a peer
// we do not trust: every read is checked against the bytes that are there, an array may not
// claim more elements than bytes remain, and nested structures have a depth limit. Anything
// else is an UaDecodeError naming what could not be read.

export class UaDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UaDecodeError';
  }
}

/** 100 ns ticks between 1601-01-01 (OPC UA's epoch) and 1970-01-01. */
const EPOCH_OFFSET_MS = 11_644_473_600_000n;
const MAX_NESTING = 16;

export class UaWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }

  bytes(b: Buffer): this {
    return this.push(b);
  }

  byte(n: number): this {
    return this.push(Buffer.from([n & 0xff]));
  }

  uint16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return this.push(b);
  }

  uint32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return this.push(b);
  }

  int32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.push(b);
  }

  /** A DateTime from milliseconds since 1970. */
  dateTime(ms: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE((BigInt(Math.floor(ms)) + EPOCH_OFFSET_MS) * 10_000n);
    return this.push(b);
  }

  /** A String; undefined is the null string (length -1). */
  string(s: string | undefined): this {
    if (s === undefined) return this.int32(-1);
    const b = Buffer.from(s, 'utf8');
    return this.int32(b.length).push(b);
  }

  /** A null ByteString. */
  nullByteString(): this {
    return this.int32(-1);
  }

  stringArray(items: readonly string[]): this {
    this.int32(items.length);
    for (const s of items) this.string(s);
    return this;
  }

  /** A NodeId in namespace 0, in the shortest form that holds it. */
  nodeId(id: number): this {
    if (id < 256) return this.byte(0x00).byte(id);
    if (id < 65536) return this.byte(0x01).byte(0).uint16(id);
    return this.byte(0x02).uint16(0).uint32(id);
  }

  get length(): number {
    return this.size;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

export class UaReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new UaDecodeError(`message ends inside ${what} (needs ${n} bytes at offset ${this.pos}, has ${this.remaining})`);
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  byte(what = 'a byte'): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }

  uint16(what = 'a UInt16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  uint32(what = 'a UInt32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  int32(what = 'an Int32'): number {
    this.need(4, what);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A String (or ByteString) length: -1 is null; anything beyond the remaining bytes is refused. */
  private length(what: string): number {
    const n = this.int32(`the length of ${what}`);
    if (n < -1) throw new UaDecodeError(`${what} has length ${n}`);
    if (n > this.remaining) throw new UaDecodeError(`${what} claims ${n} bytes, ${this.remaining} remain`);
    return n;
  }

  /** A String; null comes back as undefined. */
  string(what = 'a String'): string | undefined {
    const n = this.length(what);
    if (n === -1) return undefined;
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  skipByteString(what = 'a ByteString'): void {
    const n = this.length(what);
    if (n > 0) this.pos += n;
  }

  /** An array's element count: null (-1) is empty; each element takes at least `minBytes`. */
  arrayLength(what: string, minBytes = 1): number {
    const n = this.int32(`the length of ${what}`);
    if (n === -1) return 0;
    if (n < -1) throw new UaDecodeError(`${what} has length ${n}`);
    if (n * minBytes > this.remaining) throw new UaDecodeError(`${what} claims ${n} elements, ${this.remaining} bytes remain`);
    return n;
  }

  stringArray(what: string): string[] {
    const n = this.arrayLength(what, 4);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.string(`${what}[${i}]`);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** A NodeId or ExpandedNodeId; returns the numeric id in namespace 0, or undefined for any other. */
  nodeId(what = 'a NodeId'): number | undefined {
    const mask = this.byte(what);
    let id: number | undefined;
    switch (mask & 0x3f) {
      case 0x00:
        id = this.byte(what);
        break;
      case 0x01: {
        const ns = this.byte(what);
        const v = this.uint16(what);
        id = ns === 0 ? v : undefined;
        break;
      }
      case 0x02: {
        const ns = this.uint16(what);
        const v = this.uint32(what);
        id = ns === 0 ? v : undefined;
        break;
      }
      case 0x03:
        this.uint16(what);
        this.string(what);
        break;
      case 0x04:
        this.skip(18, what);
        break;
      case 0x05:
        this.uint16(what);
        this.skipByteString(what);
        break;
      default:
        throw new UaDecodeError(`${what} has encoding ${mask & 0x3f}`);
    }
    if (mask & 0x80) this.string(`${what}'s namespace URI`);
    if (mask & 0x40) this.uint32(`${what}'s server index`);
    return id;
  }

  skipDateTime(what = 'a DateTime'): void {
    this.skip(8, what);
  }

  /** A LocalizedText's text (its locale is read and dropped). */
  localizedText(what = 'a LocalizedText'): string | undefined {
    const mask = this.byte(what);
    if (mask & 0x01) this.string(`${what}'s locale`);
    return mask & 0x02 ? this.string(`${what}'s text`) : undefined;
  }

  skipExtensionObject(what = 'an ExtensionObject'): void {
    this.nodeId(`${what}'s type`);
    const encoding = this.byte(`${what}'s encoding`);
    if (encoding === 1 || encoding === 2) this.skipByteString(`${what}'s body`);
    else if (encoding !== 0) throw new UaDecodeError(`${what} has body encoding ${encoding}`);
  }

  skipDiagnosticInfo(what = 'a DiagnosticInfo', depth = 0): void {
    if (depth > MAX_NESTING) throw new UaDecodeError(`${what} nests deeper than ${MAX_NESTING}`);
    const mask = this.byte(what);
    // SymbolicId, NamespaceUri, Locale, LocalizedText: Int32 indexes into the string table.
    for (const bit of [0x01, 0x02, 0x08, 0x04]) if (mask & bit) this.int32(what);
    if (mask & 0x10) this.string(`${what}'s additional info`);
    if (mask & 0x20) this.uint32(`${what}'s inner status code`);
    if (mask & 0x40) this.skipDiagnosticInfo(`${what}'s inner diagnostic info`, depth + 1);
  }
}
