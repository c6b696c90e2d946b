// A pure codec for 512-byte tar headers (POSIX ustar, GNU and pax variants): bytes in, a value out.
// No I/O here, so every quirk is testable with a Buffer.
import { wasmEngine } from '../wasm/engine.js';
import { HEADER_AT } from '../wasm/memory.js';

export const BLOCK = 512;

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** Header records that describe the next entry rather than being one. */
export type MetaType = 'pax' | 'pax-global' | 'gnu-longname' | 'gnu-longlink';

export interface Header {
  name: string;
  type: EntryType | MetaType;
  size: number;
  linkname: string;
}

export class HeaderError extends Error {}

function field(block: Buffer, start: number, length: number): string {
  // Most fields of most headers (link name, ustar prefix) are empty: no search, no decoding.
  if (block[start] === 0) return '';
  const end = block.indexOf(0, start);
  const stop = end === -1 || end > start + length ? start + length : end;
  return block.toString('utf8', start, stop);
}

/** Numeric fields are octal text, or base-256 when the first byte's high bit is set (GNU, sizes ≥ 8 GiB). */
export function decodeNumber(block: Buffer, start: number, length: number): number {
  const first = block[start]!;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!;
    if (!Number.isSafeInteger(value)) throw new HeaderError('numeric field too large');
    return value;
  }
  // Plain octal digits, with spaces around them and a NUL after (what writers write): read from the
  // bytes, without making a string. Anything else is read as text below, and refused as before.
  const end = start + length;
  let at = start;
  while (at < end && block[at] === 0x20) at++;
  const digits = at;
  let octal = 0;
  for (; at < end && block[at]! >= 0x30 && block[at]! <= 0x37; at++) octal = octal * 8 + block[at]! - 0x30;
  if (at > digits) {
    while (at < end && block[at] === 0x20) at++;
    if (at === end || block[at] === 0) return octal;
  }
  const text = field(block, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new HeaderError(`invalid numeric field "${text}"`);
  return parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let stored: number;
  try {
    stored = decodeNumber(block, 148, 8);
  } catch {
    return false;
  }
  // Some old writers summed signed bytes; both forms are accepted, as GNU tar does.
  return stored === unsignedSum(block) || stored === sumInJavaScript(block, true);
}

/** The header's bytes summed, the checksum field as eight spaces; `signed`: bytes over 127 count as negative. */
function sumInJavaScript(block: Buffer, signed: boolean): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    sum += signed && byte > 127 ? byte - 256 : byte;
  }
  return sum;
}

let header: Uint8Array | undefined;

/**
 * The header's bytes summed unsigned, the checksum field as eight spaces: by the seed's WebAssembly
 * module (../wasm/module.ts tarsum) where it runs. In JavaScript this loop is most of what a start
 * spends walking an archive: it runs in V8's interpreter then (a start's bytecode comes from the
 * code cache, unoptimized), 1-2 M instructions for a 19-header docker save archive (callgrind).
 */
function unsignedSum(block: Buffer): number {
  const engine = wasmEngine();
  if (engine === undefined) return sumInJavaScript(block, false);
  // A view of the memory is made again after the memory grows (its old buffer is then detached).
  if (header === undefined || header.byteLength === 0) header = new Uint8Array(engine.memory.buffer, HEADER_AT, BLOCK);
  header.set(block.subarray(0, BLOCK));
  return engine.tarsum(HEADER_AT);
}

const TYPES: Record<string, Header['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '5': 'directory',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-longname',
  K: 'gnu-longlink',
};

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes one header block; throws HeaderError when it is not a valid tar header. */
export function decodeHeader(block: Buffer): Header {
  if (block.length < BLOCK) throw new HeaderError('short header block');
  if (!checksumOk(block)) throw new HeaderError('header checksum mismatch');
  const flag = String.fromCharCode(block[156]!);
  let type = TYPES[flag] ?? 'other';
  let name = field(block, 0, 100);
  // ustar splits long names into prefix + name; GNU's "ustar  " magic uses that space for other fields.
  if (block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0) {
    const prefix = field(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  // Old (v7) tars mark directories only with a trailing slash.
  if (type === 'file' && flag !== '7' && name.endsWith('/')) type = 'directory';
  return { name, type, size: decodeNumber(block, 124, 12), linkname: field(block, 157, 100) };
}

/** Parses pax extended header records: "<length> <key>=<value>\n", repeated. */
export function decodePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.toString('latin1', at, space), 10);
    if (!(length > 0) || at + length > data.length) throw new HeaderError('malformed pax record');
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq === -1) throw new HeaderError('malformed pax record');
    records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

/** A GNU long name or link record: the data is the name, NUL-terminated. */
export function decodeLongName(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('utf8', 0, end === -1 ? data.length : end);
}
