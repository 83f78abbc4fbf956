// Hand-built Binary XML for tests: little-endian pieces, names defined in place, template
// instances with their definition inline and their substitution values.

export class BinXmlBuilder {
  private bytes: number[] = [];
  /** base: where these bytes will sit in the chunk (a nested Binary XML value sits inside another). */
  constructor(private readonly base = 0) {}
  get pos(): number {
    return this.base + this.bytes.length;
  }
  u8(...v: number[]): this {
    this.bytes.push(...v);
    return this;
  }
  u16(v: number): this {
    return this.u8(v & 0xff, v >> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  chars(s: string): this {
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
    return this;
  }
  /** A name reference pointing just after itself, then the name structure. */
  name(s: string): this {
    return this.u32(this.pos + 4).nameStruct(s);
  }
  /** The name structure alone: u32 next, u16 hash, u16 length, the characters, u16 NUL. */
  nameStruct(s: string): this {
    return this.u32(0).u16(0).u16(s.length).chars(s).u16(0);
  }
  /** A name reference to a name defined elsewhere (at its offset). */
  nameAt(offset: number): this {
    return this.u32(offset);
  }
  /** Overwrites the u32 at a position written before. */
  patch32(at: number, v: number): this {
    for (let i = 0; i < 4; i++) this.bytes[at - this.base + i] = (v >>> (8 * i)) & 0xff;
    return this;
  }
  /** Start of an element (with an attribute list when attrs), its name in place or at an offset; then attr() and the close token. */
  element(name: string | number, attrs = false): this {
    this.u8(attrs ? 0x41 : 0x01).u16(0).u32(0);
    if (typeof name === 'number') this.nameAt(name);
    else this.name(name);
    return attrs ? this.u32(0) : this;
  }
  attr(name: string): this {
    return this.u8(0x06).name(name);
  }
  text(s: string): this {
    return this.u8(0x05, 0x01).u16(s.length).chars(s);
  }
  subst(index: number, type: number, optional = false): this {
    return this.u8(optional ? 0x0e : 0x0d).u16(index).u8(type);
  }
  /** A template instance whose definition (GUID from guidSeed) is written inline by body, then its values. */
  instance(guidSeed: number, body: (b: this) => void, values: [type: number, bytes: number[]][]): this {
    this.u8(0x0c, 1).u32(0);
    this.u32(this.pos + 4);
    this.u32(0).u32(guidSeed).u32(0).u32(0).u32(0);
    const sizeAt = this.pos;
    this.u32(0);
    const start = this.pos;
    body(this);
    this.patch32(sizeAt, this.pos - start);
    this.u32(values.length);
    for (const [type, bytes] of values) this.u16(bytes.length).u8(type, 0);
    for (const [, bytes] of values) this.u8(...bytes);
    return this;
  }
  buffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

/** A string value's UTF-16LE bytes (with the trailing NUL writers often include). */
export function utf16Value(s: string, nul = true): number[] {
  return [...Buffer.from(nul ? s + '\0' : s, 'utf16le')];
}
