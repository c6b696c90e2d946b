// The `check` command's options, kept beside check so src/cli.ts only registers it. Check itself is
// imported when the command runs (its TOML/YAML readers and the HTTP client stay out of `serve`'s start).
import { type Command, Option } from 'commander';
import { CHECK_RUNTIME_NAMES } from './runtimes.js';


function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addCheckCommand(program: Command, registryOption: (value: string) => string): void {
  program
    .command('check')
    .description("from a node: check that it reaches the seed, trusts it, and pulls each --image the way its runtime would (exit 0 only when every check passes)")
    .requiredOption('--registry <host:port>', 'the seed, as nodes reach it', registryOption)
    .option('--ca <file>', "CA certificate to trust for the seed (ca.crt of its --tls-self-signed DIR)")
    .option('--username <user>', 'user for a seed started with --htpasswd (with --password-file)')
    .option('--password-file <file>', 'file holding the password, on one line')
    .option('--image <name>', 'an image by its original name, e.g. registry.k8s.io/pause:3.10 (repeatable)', collect, [])
    .addOption(new Option('--runtime <runtime>', "fetch each --image through this runtime's configuration").choices(CHECK_RUNTIME_NAMES))
    .option('--config <dir>', 'where that configuration is (default: the runtime\'s own folder, e.g. /etc/containerd/certs.d, /etc/containers, /etc/docker, /etc/rancher/k3s)')
    .action(async (o) => (await import('./run.js')).runCheck({ registry: o.registry, ca: o.ca, username: o.username, passwordFile: o.passwordFile, images: o.image, runtime: o.runtime, config: o.config }));
}
