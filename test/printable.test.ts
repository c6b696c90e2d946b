// Archive text printed escaped, and JSON errors of our own with a byte offset.
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJSONBytes } from '../src/json.js';
import { LoadError } from '../src/load-error.js';
import { printable } from '../src/printable.js';
import { terminalProgress } from '../src/image/progress.js';

describe('printable', () => {
  it.each([
    ['plain', 'plain'],
    ['a\u001b[2Jb', 'a\\u001b[2Jb'],
    ['one\nseed-registry: listening on', 'one\\nseed-registry: listening on'],
    ['\r\t\u0000\u007f\u009b', '\\r\\t\\u0000\\u007f\\u009b'],
    ['bidi \u202e and \u2028', 'bidi \\u202e and \\u2028'],
    ['ünïcödé ✓', 'ünïcödé ✓'],
  ])('%j → %s', (input, expected) => {
    expect(printable(input)).toBe(expected);
  });

  it('keeps every LoadError on one line', () => {
    const err = new LoadError('a.tar', 'bad\nname', 'x\u001b[2J');
    expect(err.message).toBe('a.tar: x\\u001b[2J: bad\\nname');
  });
});

describe('parseJSONBytes', () => {
  it.each([
    ['xyz', 0, 'unexpected "x"'],
    ['[1, x]', 4, 'unexpected "x"'],
    ['{"a":1,}', 7, 'expected a string, found "}"'],
    ['', 0, 'unexpected end of data'],
    ['"\u001b[2J"', 1, 'control character byte 0x1b inside a string'],
    ['[1]x', 3, 'unexpected "x" after the JSON value'],
    ['{"é":tru}', 6, 'unexpected "t"'], // bytes, not characters: é is two
    ['['.repeat(100_000), 100_000, 'unexpected end of data'],
  ])('%#: fails at byte %i', (text, offset, problem) => {
    const err = ((): unknown => {
      try {
        parseJSONBytes(Buffer.from(text));
      } catch (e) {
        return e;
      }
    })() as JsonSyntaxError;
    expect(err).toBeInstanceOf(JsonSyntaxError);
    expect([err.offset, err.problem]).toEqual([offset, problem]);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('parses valid JSON', () => {
    expect(parseJSONBytes(Buffer.from(' {"a":[1,-2.5e3,true,null,"\\u00e9"]} '))).toEqual({ a: [1, -2500, true, null, 'é'] });
  });
});

describe('progress', () => {
  it('prints a plain line every few seconds when stderr is not a terminal, nothing for a quick step', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const now = Date.now();
    let clock = now;
    const realNow = Date.now;
    Date.now = () => clock;
    try {
      const quick = terminalProgress('decompressing quick.tar.gz', stream);
      quick(1, 2);
      quick(2, 2);
      expect(lines).toEqual([]);
      const slow = terminalProgress('decompressing slow\n.tar.gz', stream);
      for (let t = 0; t <= 12_000; t += 500) {
        clock = now + t;
        slow(t, 12_000);
      }
    } finally {
      Date.now = realNow;
    }
    expect(lines).toEqual([
      'seed-registry: decompressing slow\\n.tar.gz: 41% 0.0/0.0 MiB, 5 s\n',
      'seed-registry: decompressing slow\\n.tar.gz: 83% 0.0/0.0 MiB, 10 s\n',
      'seed-registry: decompressing slow\\n.tar.gz: 100% 0.0/0.0 MiB, 12 s\n',
    ]);
  });
});
