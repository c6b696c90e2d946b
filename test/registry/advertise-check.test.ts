import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { advertiseWarnings } from '../../src/registry/advertise-check.js';

const nic = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo =>
  ({ address, family, internal: false, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
const INTERFACES = { lo: [nic('127.0.0.1', 'IPv4'), nic('::1', 'IPv6')], eth0: [nic('10.0.0.5', 'IPv4'), nic('fd00::5', 'IPv6')] };
const WILDCARD = { address: '::', family: 'IPv6', port: 5000 };

describe('--advertise checks', () => {
  it('an address of this host, with no port or the bound port: nothing to say', () => {
    expect(advertiseWarnings([{ host: '10.0.0.5' }, { host: '10.0.0.5', port: 5000 }, { host: 'fd00:0::5' }, { host: 'seed.example' }], WILDCARD, INTERFACES)).toEqual([]);
  });

  it('an address on no interface: one line, saying it may be NAT', () => {
    expect(advertiseWarnings([{ host: '203.0.113.9' }], WILDCARD, INTERFACES)).toEqual([
      '--advertise 203.0.113.9: 203.0.113.9 is not an address of any interface of this host; right if a NAT or port-forward leads there, otherwise nodes cannot connect (check --advertise, --port, --host)',
    ]);
  });

  it('a port other than --port, IPv6 bracketed', () => {
    expect(advertiseWarnings([{ host: 'fd00::5', port: 443 }], WILDCARD, INTERFACES)).toEqual([
      '--advertise [fd00::5]:443: port 443 is not the port the seed listens on (5000); right if a NAT or port-forward leads there, otherwise nodes cannot connect (check --advertise, --port, --host)',
    ]);
  });

  it('an address of this host the seed does not listen on (--host)', () => {
    expect(advertiseWarnings([{ host: '10.0.0.5' }], { address: '127.0.0.1', family: 'IPv4', port: 5000 }, INTERFACES)[0]).toMatch(/^--advertise 10\.0\.0\.5: the seed listens on 127\.0\.0\.1 only \(--host\), not on 10\.0\.0\.5;/);
  });
});
