// A host clock that is obviously wrong: earlier than this build, or than the newest image.
import { describe, expect, it } from 'vitest';
import { clockWarning } from '../src/clock.js';

const BUILT = new Date('2026-11-01T00:00:00Z');
const IMAGE = { date: new Date('2026-11-20T08:00:00Z'), config: 'sha256:0123456789abcdef0123' };

describe('clockWarning', () => {
  it('says nothing when the clock is after both', () => {
    expect(clockWarning(new Date('2026-12-01T00:00:00Z'), { builtAt: BUILT, newestImage: IMAGE })).toBeUndefined();
    expect(clockWarning(new Date('2026-12-01T00:00:00Z'), {})).toBeUndefined();
  });

  it('leaves an hour of slack for the build or image host', () => {
    expect(clockWarning(new Date('2026-10-31T23:30:00Z'), { builtAt: BUILT })).toBeUndefined();
    expect(clockWarning(new Date('2026-10-31T22:30:00Z'), { builtAt: BUILT })).toContain('this build of seed-registry was made 2026-11-01 00:00 UTC');
  });

  it('names the newest image and the build, the clock, and the fix', () => {
    const line = clockWarning(new Date('2020-01-01T00:00:00Z'), { builtAt: BUILT, newestImage: IMAGE })!;
    expect(line).toMatch(/^this host's clock says 2020-01-01 00:00 UTC, but this build of seed-registry was made 2026-11-01 00:00 UTC and image config sha256:0123456789ab was created 2026-11-20 08:00 UTC: /);
    expect(line).toContain('timedatectl set-time');
    expect(clockWarning(new Date('2026-11-10T00:00:00Z'), { builtAt: BUILT, newestImage: IMAGE })).toMatch(/but image config sha256:0123456789ab was created/);
  });

  it('ignores a build time that is not a date (a bundle without one)', () => {
    expect(clockWarning(new Date('2020-01-01T00:00:00Z'), { builtAt: new Date('x') })).toBeUndefined();
  });
});
