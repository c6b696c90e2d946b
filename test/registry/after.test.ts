// Stage.after: watching the end of a request from around()'s one promise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { around, type Stage } from '../../src/registry/stages.js';

const req = { url: '/v2/x/manifests/1' } as IncomingMessage;
function res(): ServerResponse & { destroyed: boolean } {
  const r = { destroyed: false, destroy: () => void (r.destroyed = true) };
  return r as unknown as ServerResponse & { destroyed: boolean };
}

function watching(seen: number[]): Stage {
  const stage: Stage = (next) => next;
  stage.after = (_req, _res, bytes) => void seen.push(bytes);
  return stage;
}

describe('Stage.after', () => {
  it('is called once per answered request with its body bytes', async () => {
    const seen: number[] = [];
    const handler = around(async () => 42, [watching(seen)]);
    await expect(handler(req, res())).resolves.toBe(42);
    expect(seen).toEqual([42]);
  });

  it('is called with 0 when the request failed, and the connection is cut', async () => {
    const seen: number[] = [];
    const r = res();
    const handler = around(async () => Promise.reject(new Error('broken')), [watching(seen)]);
    await expect(handler(req, r)).resolves.toBe(0);
    expect(seen).toEqual([0]);
    expect(r.destroyed).toBe(true);
  });

  it('a watcher that throws neither fails the request nor stops the others', async () => {
    const seen: number[] = [];
    const throwing: Stage = (next) => next;
    throwing.after = () => {
      throw new Error('watcher bug');
    };
    const r = res();
    const handler = around(async () => 7, [throwing, watching(seen)]);
    await expect(handler(req, r)).resolves.toBe(7);
    expect(seen).toEqual([7]);
    expect(r.destroyed).toBe(false);
  });
});
