import { describe, expect, it } from 'vitest';
import { candidateOrigins } from '../../src/client/target.js';
import { parseTarget } from '../../src/push/target.js';
import { backoffMs } from '../../src/client/http.js';

describe('parseTarget', () => {
  it.each([
    ['registry.local:5000', { host: 'registry.local:5000', prefix: '', loopback: false }],
    ['registry.local:5000/mirror/team', { host: 'registry.local:5000', prefix: 'mirror/team', loopback: false }],
    ['http://127.0.0.1:5000/', { host: '127.0.0.1:5000', prefix: '', loopback: true, scheme: 'http' }],
    ['https://localhost/x', { host: 'localhost', prefix: 'x', loopback: true, scheme: 'https' }],
    ['[::1]:5000', { host: '[::1]:5000', prefix: '', loopback: true }],
  ])('%s', (text, want) => {
    expect(parseTarget(text)).toEqual(want);
  });

  it.each([
    ['ftp://host', /only http:\/\/ and https:\/\//],
    ['host:99999', /not a registry host/],
    ['host:5000/Upper', /not a valid repository prefix/],
    ['', /not a registry host/],
  ])('refuses %j', (text, message) => {
    expect(() => parseTarget(text)).toThrow(message);
  });
});

describe('candidateOrigins', () => {
  it('tries HTTPS first, and plain HTTP only for loopback or --insecure', () => {
    expect(candidateOrigins(parseTarget('reg:5000'), false)).toEqual(['https://reg:5000']);
    expect(candidateOrigins(parseTarget('reg:5000'), true)).toEqual(['https://reg:5000', 'http://reg:5000']);
    expect(candidateOrigins(parseTarget('127.0.0.1:5000'), false)).toEqual(['https://127.0.0.1:5000', 'http://127.0.0.1:5000']);
    expect(candidateOrigins(parseTarget('http://reg:5000'), false)).toEqual(['http://reg:5000']);
  });
});

describe('backoffMs', () => {
  const policy = { attempts: 5, baseDelayMs: 500 };
  it('doubles per attempt, capped', () => {
    expect([0, 1, 2, 10].map((a) => backoffMs(policy, a))).toEqual([500, 1000, 2000, 10_000]);
  });
  it('honours Retry-After in seconds, capped at a minute', () => {
    expect(backoffMs(policy, 0, '3')).toBe(3000);
    expect(backoffMs(policy, 0, '3600')).toBe(60_000);
  });
});
