// The table (stdout and docs/benchmarks.md), the targets the issue sets, and the JSON file.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { ratio } from './stats.js';

const MIB = 1024 * 1024;
const ms = (v) => v.toFixed(v < 10 ? 2 : 0);
const mibs = (v) => v.toFixed(0);
const s = (v) => v.toFixed(1);

/** Rows of the table, in order; `better` says which way the seed/peer ratio should point. */
export const METRICS = [
  { key: 'ready.small', label: 'time-to-ready, small tarball (ms)', fmt: ms, better: 'lower' },
  { key: 'ready.large', label: 'time-to-ready, large tarball (ms)', fmt: ms, better: 'lower' },
  { key: 'ready.crane', label: 'time-to-ready, crane gzip tarball (ms)', fmt: ms, better: 'lower' },
  { key: 'blob1', label: 'blob GET, 1 stream (MiB/s)', fmt: mibs, better: 'higher' },
  { key: 'blob4', label: 'blob GET, 4 streams (MiB/s)', fmt: mibs, better: 'higher' },
  { key: 'range', label: '64 MiB range GET (MiB/s)', fmt: mibs, better: 'higher' },
  { key: 'manifestRps', label: 'manifest GET (req/s)', fmt: mibs, better: 'higher' },
  { key: 'manifestP99', label: 'manifest GET p99 (ms)', fmt: ms, better: 'lower' },
  { key: 'rss.small', label: 'peak RSS under load, small (MiB)', fmt: (v) => (v / MIB).toFixed(1), better: 'lower' },
  { key: 'rss.large', label: 'peak RSS under load, large (MiB)', fmt: (v) => (v / MIB).toFixed(1), better: 'lower' },
  { key: 'pull:docker pull', label: 'docker pull, large (s)', fmt: s, better: 'lower' },
  { key: 'pull:ctr images pull', label: 'ctr images pull, large (s)', fmt: s, better: 'lower' },
  { key: 'pull:skopeo copy', label: 'skopeo copy, large (s)', fmt: s, better: 'lower' },
];

function cell(summary, fmt) {
  if (!summary) return '–';
  return summary.runs > 1 ? `${fmt(summary.median)} (${fmt(summary.min)}–${fmt(summary.max)})` : fmt(summary.median);
}

/** Markdown table: one row per metric, one column per server, then seed/peer ratios. */
export function renderTable(results) {
  const names = Object.keys(results.servers);
  const peers = names.filter((n) => n !== 'seed-registry');
  const head = ['metric', ...names, ...peers.map((p) => `seed/${p}`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const m of METRICS) {
    const row = names.map((n) => results.servers[n].figures[m.key]);
    if (row.every((v) => !v)) continue;
    const seedFig = results.servers['seed-registry']?.figures[m.key];
    const ratios = peers.map((p) => {
      const r = ratio(seedFig, results.servers[p].figures[m.key]);
      return r === undefined ? '–' : `${r.toFixed(2)}x`;
    });
    lines.push(`| ${[m.label, ...row.map((v) => cell(v, m.fmt)), ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

function median(results, server, key) {
  return results.servers[server]?.figures[key]?.median;
}

/** The targets, each { target, value, pass } (pass undefined when a figure is missing). */
export function checkTargets(results) {
  const seed = (key) => median(results, 'seed-registry', key);
  const dist = (key) => median(results, 'distribution', key);
  const known = (...values) => values.every((v) => v !== undefined);
  const check = (target, value, pass) => ({ target, value, pass });
  const rows = [
    check('time-to-ready, large < 150 ms', seed('ready.large'), known(seed('ready.large')) ? seed('ready.large') < 150 : undefined),
    check('time-to-ready, large ≤ 1.2x small', seed('ready.large') / seed('ready.small'),
      known(seed('ready.large'), seed('ready.small')) ? seed('ready.large') <= 1.2 * seed('ready.small') : undefined),
  ];
  for (const key of ['blob1', 'blob4', 'range']) {
    rows.push(check(`${key} ≥ distribution`, seed(key) / dist(key), known(seed(key), dist(key)) ? seed(key) >= dist(key) : undefined));
  }
  rows.push(
    check('manifest req/s ≥ 10x distribution', seed('manifestRps') / dist('manifestRps'),
      known(seed('manifestRps'), dist('manifestRps')) ? seed('manifestRps') >= 10 * dist('manifestRps') : undefined),
    check('manifest p99 < 5 ms', seed('manifestP99'), known(seed('manifestP99')) ? seed('manifestP99') < 5 : undefined),
    check('peak RSS, large ≤ 64 MiB', seed('rss.large') / MIB, known(seed('rss.large')) ? seed('rss.large') <= 64 * MIB : undefined),
    check('peak RSS, large ≤ small', seed('rss.large') / seed('rss.small'),
      known(seed('rss.large'), seed('rss.small')) ? seed('rss.large') <= seed('rss.small') : undefined),
  );
  return rows;
}

export function renderTargets(targets) {
  const verdict = (p) => (p === undefined ? 'not measured' : p ? 'met' : 'MISSED');
  const value = (v) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));
  return ['| target | value | verdict |', '|---|---:|---|', ...targets.map((t) => `| ${t.target} | ${value(t.value)} | ${verdict(t.pass)} |`)].join('\n');
}

export function renderErrors(results) {
  const lines = [];
  for (const [name, server] of Object.entries(results.servers)) for (const e of server.errors) lines.push(`- ${name}: ${e}`);
  return lines.join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the results section of docs/benchmarks.md (between its markers) with this run. */
export function writeDocs(path, section) {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path}: results markers missing`);
  writeFileSync(path, `${text.slice(0, from + START.length)}\n${section}\n${text.slice(to)}`);
}
