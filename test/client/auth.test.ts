import { describe, expect, it } from 'vitest';
import { Authenticator, oneLine, parseChallenge } from '../../src/client/auth.js';

const BEARER = 'Bearer realm="http://auth.local/token",service="reg",scope="repository:a:pull"';

describe('parseChallenge', () => {
  it('reads the scheme and quoted or bare parameters', () => {
    expect(parseChallenge(BEARER)).toEqual({ scheme: 'bearer', params: { realm: 'http://auth.local/token', service: 'reg', scope: 'repository:a:pull' } });
    expect(parseChallenge('Basic realm=registry')).toEqual({ scheme: 'basic', params: { realm: 'registry' } });
  });
});

describe('Authenticator', () => {
  function withTokenServer(expiresIn = 300) {
    const asked: string[] = [];
    let now = 1_000_000;
    const auth = new Authenticator(
      { username: 'u', password: 'p' },
      async (url, headers) => {
        asked.push(url);
        expect(headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
        return { status: 200, body: Buffer.from(JSON.stringify({ token: `t${asked.length}`, expires_in: expiresIn })) };
      },
      () => now,
    );
    return { auth, asked, advance: (ms: number) => (now += ms) };
  }

  it('sends nothing before a challenge, then Basic credentials once challenged', async () => {
    const auth = new Authenticator({ username: 'u', password: 'p' }, async () => ({ status: 500, body: Buffer.alloc(0) }));
    expect(await auth.header([])).toBeUndefined();
    expect(auth.challenged('Basic realm="r"', [], false)).toBe(true);
    expect(await auth.header([])).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    // Refused with those credentials: no point in sending them again.
    expect(auth.challenged('Basic realm="r"', [], true)).toBe(false);
  });

  it('fetches one token per scope set, shares it between concurrent requests, renews it on expiry', async () => {
    const { auth, asked, advance } = withTokenServer(60);
    auth.challenged(BEARER, ['repository:x:pull,push'], false);
    const [a, b] = await Promise.all([auth.header(['repository:x:pull,push']), auth.header(['repository:x:pull,push'])]);
    expect([a, b]).toEqual(['Bearer t1', 'Bearer t1']);
    expect(asked).toHaveLength(1);
    const url = new URL(asked[0]!);
    expect(url.searchParams.get('service')).toBe('reg');
    expect(url.searchParams.getAll('scope')).toEqual(['repository:x:pull,push', 'repository:a:pull']);
    expect(await auth.header(['repository:y:pull,push'])).toBe('Bearer t2');
    advance(30_000);
    expect(await auth.header(['repository:x:pull,push'])).toBe('Bearer t1');
    advance(30_000);
    expect(await auth.header(['repository:x:pull,push'])).toBe('Bearer t3');
  });

  it('a refused token request is an AuthError naming the user and the server answer', async () => {
    const auth = new Authenticator({ username: 'bob', password: 'x' }, async () => ({ status: 401, body: Buffer.from('{"details":"bad password"}') }));
    auth.challenged(BEARER, [], false);
    await expect(auth.header([])).rejects.toThrow('token server http://auth.local/token refused as bob: 401 {"details":"bad password"}');
  });
});

describe('oneLine', () => {
  it('summarises OCI error bodies and flattens text', () => {
    const body = Buffer.from('{"errors":[{"code":"DENIED","message":"no","detail":{"a":1}}]}');
    expect(oneLine(body)).toBe('DENIED no ({"a":1})');
    expect(oneLine(Buffer.from('<html>\n  Bad\n gateway</html>'))).toBe('<html> Bad gateway</html>');
    expect(oneLine(Buffer.alloc(0))).toBe('(empty body)');
  });
});
