import { describe, expect, it } from 'vitest';
import { contentRange, parseRange, resolveRange, type RequestedRange, type ResolvedRange } from '../../src/registry/range.js';

describe('parseRange', () => {
  const cases: [string | undefined, RequestedRange][] = [
    [undefined, { kind: 'none' }],
    ['bytes=0-0', { kind: 'single', spec: { start: 0, end: 0 } }],
    ['bytes=10-19', { kind: 'single', spec: { start: 10, end: 19 } }],
    ['bytes=100-', { kind: 'single', spec: { start: 100 } }],
    ['bytes=-5', { kind: 'single', spec: { suffix: 5 } }],
    ['Bytes = 1-2', { kind: 'single', spec: { start: 1, end: 2 } }],
    ['bytes=0-1,5-6', { kind: 'multiple' }],
    ['items=0-5', { kind: 'none' }],
    ['bytes=5-1', { kind: 'invalid' }],
    ['bytes=-', { kind: 'invalid' }],
    ['bytes=a-b', { kind: 'invalid' }],
    ['bytes=', { kind: 'invalid' }],
    ['bytes=0-1,x', { kind: 'invalid' }],
    ['0-5', { kind: 'invalid' }],
  ];
  it.each(cases)('%s', (header, expected) => {
    expect(parseRange(header)).toEqual(expected);
  });
});

describe('resolveRange', () => {
  const size = 100;
  const cases: [string, Parameters<typeof resolveRange>[0], number, ResolvedRange | undefined][] = [
    ['first byte', { start: 0, end: 0 }, size, { start: 0, end: 0 }],
    ['middle', { start: 10, end: 19 }, size, { start: 10, end: 19 }],
    ['end past size is clamped', { start: 90, end: 500 }, size, { start: 90, end: 99 }],
    ['open end', { start: 42 }, size, { start: 42, end: 99 }],
    ['last byte open', { start: 99 }, size, { start: 99, end: 99 }],
    ['start at size', { start: 100 }, size, undefined],
    ['start past size', { start: 1000, end: 2000 }, size, undefined],
    ['suffix', { suffix: 10 }, size, { start: 90, end: 99 }],
    ['suffix larger than blob', { suffix: 1000 }, size, { start: 0, end: 99 }],
    ['zero suffix', { suffix: 0 }, size, undefined],
    ['empty blob', { start: 0 }, 0, undefined],
    ['empty blob suffix', { suffix: 1 }, 0, undefined],
  ];
  it.each(cases)('%s', (_name, spec, blobSize, expected) => {
    expect(resolveRange(spec, blobSize)).toEqual(expected);
  });

  it('formats Content-Range with inclusive positions', () => {
    expect(contentRange({ start: 10, end: 19 }, 100)).toBe('bytes 10-19/100');
  });
});
