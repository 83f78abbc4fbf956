// EVTX on-disk constants (libevtx's "Windows XML Event Log (EVTX)" format description).
// All integers are little-endian; all strings UTF-16LE.

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
export const CHUNK_HEADER_SIZE = 512; // 128-byte header + string table (64 u32) + template table (32 u32)
export const RECORD_HEADER_SIZE = 24;
export const RECORD_MAGIC = 0x00002a2a; // "**\0\0"

/** "ElfFile\0" read as two u32. */
export const FILE_MAGIC_LO = 0x46666c45;
export const FILE_MAGIC_HI = 0x00656c69;
/** "ElfChnk\0" read as two u32. */
export const CHUNK_MAGIC_LO = 0x43666c45;
export const CHUNK_MAGIC_HI = 0x006b6e68;

export const FILE_FLAG_DIRTY = 0x1;
export const FILE_FLAG_FULL = 0x2;

/** Binary XML tokens. Bit 0x40 on a token means "more follows" (attributes, another attribute); parsers mask it off. */
export const TOK_EOF = 0x00;
export const TOK_OPEN_START = 0x01;
export const TOK_CLOSE_START = 0x02;
export const TOK_CLOSE_EMPTY = 0x03;
export const TOK_END_ELEMENT = 0x04;
export const TOK_VALUE = 0x05;
export const TOK_ATTRIBUTE = 0x06;
export const TOK_CDATA = 0x07;
export const TOK_CHARREF = 0x08;
export const TOK_ENTITYREF = 0x09;
export const TOK_PI_TARGET = 0x0a;
export const TOK_PI_DATA = 0x0b;
export const TOK_TEMPLATE_INSTANCE = 0x0c;
export const TOK_NORMAL_SUBST = 0x0d;
export const TOK_OPTIONAL_SUBST = 0x0e;
export const TOK_FRAGMENT_HEADER = 0x0f;

/** Value types of Value tokens and substitutions. */
export const VT_NULL = 0x00;
export const VT_STRING = 0x01;
export const VT_ANSI_STRING = 0x02;
export const VT_INT8 = 0x03;
export const VT_UINT8 = 0x04;
export const VT_INT16 = 0x05;
export const VT_UINT16 = 0x06;
export const VT_INT32 = 0x07;
export const VT_UINT32 = 0x08;
export const VT_INT64 = 0x09;
export const VT_UINT64 = 0x0a;
export const VT_REAL32 = 0x0b;
export const VT_REAL64 = 0x0c;
export const VT_BOOL = 0x0d;
export const VT_BINARY = 0x0e;
export const VT_GUID = 0x0f;
export const VT_SIZET = 0x10;
export const VT_FILETIME = 0x11;
export const VT_SYSTEMTIME = 0x12;
export const VT_SID = 0x13;
export const VT_HEXINT32 = 0x14;
export const VT_HEXINT64 = 0x15;
export const VT_EVT_HANDLE = 0x20;
export const VT_BINXML = 0x21;
export const VT_EVT_XML = 0x23;
export const VT_ARRAY = 0x80;

/** Malformed EVTX structure; caught per record/chunk by the reader and turned into an ErrorRecord. */
export class EvtxFormatError extends Error {
  constructor(
    message: string,
    /** Offset within the chunk (or file, for header problems) where it was detected. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'EvtxFormatError';
  }
}
