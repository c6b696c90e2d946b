// Where the seed listens by default, and the addresses the banner offers.
import { describe, expect, it } from 'vitest';
import { isIP as netIsIP } from 'node:net';
import { hostPort, isIP, isLoopback } from '../../src/address.js';
import { boundUrl, listenDefault, reachableAt } from '../../src/registry/addresses.js';

const bound = (address: string, family: string, port = 5000) => ({ address, family, port });

describe('listenDefault', () => {
  it('binds :: when nothing is asked, 0.0.0.0 when the host has no IPv6', async () => {
    const asked: (string | undefined)[] = [];
    const noIpv6 = async (port: number, host?: string) => {
      asked.push(host);
      if (host === '::') throw Object.assign(new Error('no v6'), { code: 'EAFNOSUPPORT' });
      return bound(host!, 'IPv4', port);
    };
    expect(await listenDefault(noIpv6, 5000)).toEqual(bound('0.0.0.0', 'IPv4'));
    expect(asked).toEqual(['::', '0.0.0.0']);
  });

  it('keeps --host, and does not hide other errors (port in use)', async () => {
    const inUse = async () => {
      throw Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
    };
    await expect(listenDefault(inUse, 5000)).rejects.toThrow('in use');
    expect(await listenDefault(async (port, host) => bound(host!, 'IPv4', port), 1, '10.0.0.1')).toEqual(bound('10.0.0.1', 'IPv4', 1));
  });
});

describe('reachableAt', () => {
  it('lists --advertise first (its own port or the bound one), then localhost and the host addresses', () => {
    const list = reachableAt(bound('::', 'IPv6'), [{ host: 'seed.example', port: 443 }, { host: 'fd00::9' }]);
    expect(list.slice(0, 3)).toEqual(['seed.example:443', '[fd00::9]:5000', 'localhost:5000']);
    for (const a of list) expect(a).toMatch(/^(\[[0-9a-f:]+\]|[^:[\]]+):\d+$/);
    expect(list.some((a) => a.startsWith('[fe80'))).toBe(false);
  });

  it('gives a specific bound address as it is, IPv6 in brackets', () => {
    expect(reachableAt(bound('::1', 'IPv6'), [])).toEqual(['[::1]:5000']);
    expect(boundUrl('https', bound('::', 'IPv6'))).toBe('https://[::]:5000');
    expect(boundUrl('http', bound('127.0.0.1', 'IPv4'))).toBe('http://127.0.0.1:5000');
  });

  it.each([['127.0.0.1', true], ['::1', true], ['[::1]', true], ['localhost', true], ['0.0.0.0', false], ['::', false], ['10.0.0.1', false],
    ['127.5.5.5', true], ['::ffff:127.0.0.1', true], ['0:0:0:0:0:0:0:1', true], ['seed.localhost', true], ['127.example.com', false], ['::ffff:10.0.0.1', false]])('isLoopback(%s) = %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});

describe('isIP', () => {
  // The same answers as node:net's, which it skips for text without a colon.
  it.each(['127.0.0.1', '10.0.0.256', '01.2.3.4', 'localhost', 'seed.example', '', '::', '::1', 'fe80::1%eth0', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8:9', 'fd00:0::5', 'host:5000', '[::1]'])('isIP(%j) is node:net\'s', (value) => {
    expect(isIP(value)).toBe(netIsIP(value));
  });
  it('hostPort brackets IPv6 only', () => {
    expect([hostPort('::1', 5000), hostPort('10.0.0.1', 80), hostPort('seed.example', 443)]).toEqual(['[::1]:5000', '10.0.0.1:80', 'seed.example:443']);
  });
});
