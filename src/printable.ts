// Text from an archive (entry names, tags, media types, annotations) or from the command line is
// printed escaped, JSON-style (`\u001b`, `\n`, `\"`-free): an escape sequence in an entry name must
// not clear the operator's screen, and a newline must not forge a second `seed-registry: ...` line
// (or a fake `listening on` line in the banner). Used by every error message, the banner and
// `inspect`'s text output; JSON output is escaped by JSON.stringify itself.

/**
 * C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and bidi overrides that
 * terminals or log viewers treat as line breaks or use to reorder what is shown.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** `s` with every unprintable character written as a JSON escape; backslashes are left as they are. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when `s` would print as it is. */
export function isPrintable(s: string): boolean {
  UNPRINTABLE.lastIndex = 0;
  return !UNPRINTABLE.test(s);
}
