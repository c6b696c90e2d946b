// JSON from an archive, parsed with our own error message: V8's text quotes the raw input (control
// characters and all) and often gives no position. On failure a small scanner finds the byte offset
// of the first error; it runs only then, so the happy path is JSON.parse alone.

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(`invalid JSON at byte ${offset}: ${problem}`);
  }
}

export function parseJSONBytes(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw locateError(bytes);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'];
const ESCAPES = new Set('"\\/bfnrtu'.split(''));

/** The first syntax error in `b`, found iteratively (nesting depth costs no stack). */
export function locateError(b: Buffer): JsonSyntaxError {
  const text = b.toString('latin1');
  const stack: string[] = [];
  let i = 0;
  const fail = (problem: string) => new JsonSyntaxError(i, i >= b.length ? 'unexpected end of data' : problem);
  const ws = () => {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const string = (): JsonSyntaxError | undefined => {
    if (b[i] !== 0x22) return fail(`expected a string, found ${shown(b[i])}`);
    for (i++; i < b.length && b[i] !== 0x22; i++) {
      if (b[i]! < 0x20) return fail(`control character ${shown(b[i])} inside a string`);
      if (b[i] !== 0x5c) continue;
      i++;
      if (!ESCAPES.has(text[i] ?? '')) return fail(`invalid escape ${shown(b[i])}`);
      if (text[i] === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return fail('invalid \\u escape');
    }
    if (i >= b.length) return fail('');
    i++;
    return undefined;
  };
  for (;;) {
    // A value is expected here.
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) stack.pop(), i++;
      else if (c === '{') {
        const e = string() ?? colon();
        if (e) return e;
        continue;
      } else continue;
    } else if (c === '"') {
      const e = string();
      if (e) return e;
    } else {
      NUMBER.lastIndex = i;
      const literal = LITERALS.find((l) => text.startsWith(l, i));
      if (literal) i += literal.length;
      else if (NUMBER.test(text)) i = NUMBER.lastIndex;
      else return fail(`unexpected ${shown(b[i])}`);
    }
    // After a value: a separator, a closing bracket, or the end.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) return fail(i < b.length ? `unexpected ${shown(b[i])} after the JSON value` : 'no error found');
      if (text[i] === ',') {
        i++;
        if (top === '{') {
          ws();
          const e = string() ?? colon();
          if (e) return e;
        }
        break;
      }
      if (text[i] !== (top === '{' ? '}' : ']')) return fail(`expected "," or "${top === '{' ? '}' : ']'}", found ${shown(b[i])}`);
      stack.pop();
      i++;
    }
  }
  function colon(): JsonSyntaxError | undefined {
    ws();
    if (text[i] !== ':') return fail(`expected ":", found ${shown(b[i])}`);
    i++;
    return undefined;
  }
}

/** One byte as a reader sees it: `"x"` when printable ASCII, else its code. */
function shown(byte: number | undefined): string {
  if (byte === undefined) return 'the end';
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
