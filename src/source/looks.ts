// What a file that is not a tar looks like, told from its first bytes, so the refusal can say
// "is a zip archive" or "is text" instead of "truncated at byte 0".
import { codecOf } from './codecs.js';

const SIGNATURES: Array<[Buffer, string]> = [
  [Buffer.from('PK\x03\x04', 'latin1'), 'a zip archive'],
  [Buffer.from('PK\x05\x06', 'latin1'), 'an empty zip archive'],
  [Buffer.from('\x7fELF', 'latin1'), 'an executable (ELF)'],
  [Buffer.from('%PDF', 'latin1'), 'a PDF document'],
  [Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'), 'a 7-Zip archive'],
  [Buffer.from('Rar!', 'latin1'), 'a RAR archive'],
  [Buffer.from('070707', 'latin1'), 'a cpio archive'],
  [Buffer.from('070701', 'latin1'), 'a cpio archive'],
  [Buffer.from('!<arch>', 'latin1'), 'an ar archive (a .deb?)'],
  [Buffer.from('\x89PNG', 'latin1'), 'a PNG image'],
];

/** A phrase for what `head` (the start of a file, up to a few KiB) looks like. */
export function looksLike(head: Buffer): string {
  if (head.length === 0) return 'empty';
  const codec = codecOf(head);
  if (codec) return `${codec.name}-compressed data`;
  const signature = SIGNATURES.find(([magic]) => head.subarray(0, magic.length).equals(magic));
  if (signature) return signature[1];
  if (head.every((b) => b === 0)) return 'all zero bytes';
  const t = head.toString('utf8').trimStart();
  if (looksLikeText(head)) return t.startsWith('{') || t.startsWith('[') ? 'JSON or other text' : 'text';
  return 'unknown binary data';
}

/** Printable UTF-8 with ordinary whitespace only (a cut multi-byte character at the end is allowed). */
function looksLikeText(head: Buffer): boolean {
  const text = head.toString('utf8');
  const replaced = (text.match(/\ufffd/g) ?? []).length;
  return replaced <= 1 && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
}
