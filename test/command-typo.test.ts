import { describe, expect, it } from 'vitest';
import { editDistance, mistypedCommand, similarCommand } from '../src/command-typo.js';

const NAMES = ['serve', 'inspect', 'push', 'configure'];

describe('mistyped commands', () => {
  it.each([
    ['serv', 'serve'],
    ['sevre', 'serve'],
    ['inspec', 'inspect'],
    ['pusj', 'push'],
    ['confgure', 'configure'],
  ])('%s → %s', (word, meant) => {
    expect(similarCommand(word, NAMES)).toBe(meant);
  });

  it.each(['images.tar', 'pull', 'ps', 'x', 'serve', './serv'])('%s is not a mistyped command', (word) => {
    expect(similarCommand(word, NAMES)).toBeUndefined();
  });

  it('says which command was meant, unless the word is an option or an existing file', () => {
    expect(mistypedCommand(['serv', 'a.tar'], NAMES)).toBe('unknown command "serv" (did you mean serve?)');
    expect(mistypedCommand(['--port', '5', 'serv'], NAMES)).toBeUndefined();
    expect(mistypedCommand(['package.json'], NAMES)).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('sevre', 'serve')).toBe(1);
    expect(editDistance('pull', 'push')).toBe(2);
  });
});
