// main builds only the command its arguments run (start-up); help still lists every command, and a
// command built alone is the same command as in the whole program.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_NAMES, commandToBuild } from '../src/cli.js';

const BIN = join(import.meta.dirname, '../bin/seed-registry.js');

describe('commandToBuild', () => {
  it('names the command the first argument is, serve (the default) otherwise, and every command for help', () => {
    expect(commandToBuild(['inspect', 'a.tar'])).toBe('inspect');
    expect(commandToBuild(['tls', 'rotate-ca', '--tls-self-signed', 'd'])).toBe('tls');
    expect(commandToBuild(['a.tar'])).toBe('serve');
    expect(commandToBuild(['--port', '5001', 'a.tar'])).toBe('serve');
    expect(commandToBuild([])).toBe('serve');
    expect(commandToBuild(['--help'])).toBeUndefined();
    expect(commandToBuild(['push', '-h'])).toBeUndefined();
    expect(commandToBuild(['help', 'push'])).toBeUndefined();
  });
});

describe('buildProgram', () => {
  it('builds every command of COMMAND_NAMES, in order, when asked for all', () => {
    expect(buildProgram().commands.map((c) => c.name())).toEqual(COMMAND_NAMES);
  });

  it('builds one command alone exactly as the whole program has it', () => {
    const whole = buildProgram();
    for (const name of COMMAND_NAMES) {
      const alone = buildProgram(name);
      expect(alone.commands.map((c) => c.name())).toEqual([name]);
      const of = (program: typeof whole) => program.commands[program.commands.findIndex((c) => c.name() === name)]!;
      expect(of(alone).helpInformation(), name).toBe(of(whole).helpInformation());
    }
  });

  it('--help of the program lists every command', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(help.status).toBe(0);
    for (const name of COMMAND_NAMES) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
