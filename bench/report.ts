import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Row {
  workload: string;
  figure: string;
  herald: number;
  /** L, the bare loop, at the concurrency named in `note`. */
  limit?: number | undefined;
  /** F (workflows/s) or F100 (activities/s). */
  floor?: number | undefined;
  note?: string;
}

export function machine(temporalVersion: string) {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    temporal: temporalVersion,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain']) ? '+dirty' : ''}`,
    date: new Date().toISOString(),
    note: 'Herald, Temporal, Postgres, the receiver and the load generator all share this one machine.',
  };
}

const fmt = (value: number | undefined) =>
  value === undefined || Number.isNaN(value)
    ? '—'
    : value >= 100
      ? Math.round(value).toLocaleString('en-US')
      : value.toFixed(value >= 10 ? 1 : 2);
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '—');

export function renderTable(rows: Row[]): string {
  const header = ['workload', 'figure', 'Herald', 'L', 'F', 'Herald/L', 'Herald/F'];
  const body = rows.map((r) => [
    r.workload,
    r.figure,
    fmt(r.herald),
    fmt(r.limit),
    fmt(r.floor),
    r.limit ? ratio(r.herald, r.limit) : '—',
    r.floor ? ratio(r.herald, r.floor) : '—',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

export function writeResults(
  dir: string,
  results: { machine: { commit: string; date: string }; [key: string]: unknown },
): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.machine.date.replace(/[:.]/g, '-')}-${results.machine.commit}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
