// The machine note that goes with every result: figures only compare within one run on one machine.
import os from 'node:os';
import { spawnSync } from 'node:child_process';

// Some tools print their version on stderr (nginx -v), so both streams are searched.
function version(command, args, pattern) {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: 5000 });
  return (`${out.stdout ?? ''}${out.stderr ?? ''}`.match(pattern) ?? ['unavailable'])[0].trim();
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: `${cpus.length} x ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    distribution: version('docker-registry', ['--version'], /\d+\.\d+\.\d+\S*/),
    nginx: version('nginx', ['-v'], /nginx\/\S+/),
    wrk: version('wrk', ['--version'], /wrk \S+/),
    skopeo: version('skopeo', ['--version'], /\d+\.\d+\.\d+/),
    curl: version('curl', ['--version'], /curl \S+/),
  };
}

export function renderMachine(m) {
  return `${m.date}; ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.kernel}; node ${m.node}, ` +
    `distribution ${m.distribution}, ${m.nginx}, ${m.wrk}, skopeo ${m.skopeo}, ${m.curl}.`;
}
