// The few protobuf encodings the CRI image calls need: length-delimited fields (strings, nested
// messages) and varints, written and read at the top level of a message. Wire format:
// https://protobuf.dev/programming-guides/encoding/ (tag = field << 3 | wire type).

const VARINT = 0;
const LENGTH_DELIMITED = 2;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A length-delimited field: a string or an already encoded message. Empty values are left out (proto3). */
export function field(number: number, value: string | Buffer | undefined): Buffer {
  if (value === undefined || value.length === 0) return Buffer.alloc(0);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint((number << 3) | LENGTH_DELIMITED), varint(bytes.length), bytes]);
}

export function message(...fields: Buffer[]): Buffer {
  return Buffer.concat(fields);
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length; i++) {
    value += (buf[i]! & 0x7f) * scale;
    if ((buf[i]! & 0x80) === 0) return { value, next: i + 1 };
    scale *= 128;
  }
  throw new Error('truncated protobuf varint');
}

/** The length-delimited fields of a message by number (varints skipped); unknown wire types throw. */
export function readFields(buf: Buffer): Map<number, Buffer[]> {
  const fields = new Map<number, Buffer[]>();
  let at = 0;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    const number = Math.floor(tag.value / 8);
    const type = tag.value & 7;
    at = tag.next;
    if (type === VARINT) {
      at = readVarint(buf, at).next;
    } else if (type === LENGTH_DELIMITED) {
      const length = readVarint(buf, at);
      const end = length.next + length.value;
      if (end > buf.length) throw new Error('truncated protobuf field');
      const list = fields.get(number) ?? [];
      list.push(buf.subarray(length.next, end));
      fields.set(number, list);
      at = end;
    } else if (type === 1 || type === 5) {
      at += type === 1 ? 8 : 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${type}`);
    }
  }
  return fields;
}
