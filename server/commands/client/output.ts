import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import pc from 'picocolors';
import type { ColourEnvironment } from '../../config.js';

/**
 * How the client commands print, decided once per process: tables with headings and colour for a person at a
 * terminal; for a pipe or a file, plain lines (no heading, columns aligned by two spaces) that stay the same from
 * one release to the next, so scripts can read them. `--json` is the format made for scripts; each command prints
 * it through `json`.
 */
export interface Output {
  print: (line: string) => void;
  /** Colours that are a no-op when colour is off. */
  colour: Colours;
  /** Rows under a heading at a terminal; aligned plain lines, without the heading, otherwise. */
  table(head: string[], rows: string[][], options?: { indent?: number }): void;
  /** Name and value pairs, one per line. */
  details(pairs: Array<[string, string]>): void;
  json(value: unknown): void;
  /** A state or outcome word in the colour of its meaning: green for good, yellow for held, red for failed. */
  state(word: string): string;
  /** ✓ ✗ … ‖ in the colour of their meaning. */
  mark(mark: string): string;
}

export type Colours = ReturnType<typeof pc.createColors>;

export interface Terminal {
  isTTY?: boolean | undefined;
}

/** Colour off when `NO_COLOR` is set; on when `FORCE_COLOR` says so; else only at a terminal that shows it. */
export function colourWanted(stream: Terminal, env: ColourEnvironment): boolean {
  if (env.noColor) return false;
  if (env.forceColor !== undefined) return env.forceColor;
  return stream.isTTY === true && !env.dumbTerminal;
}

/** The output for stdout: tables when it is a terminal, colour as `colourWanted` decides. */
export function terminalOutput(stream: Terminal, env: ColourEnvironment, print: (line: string) => void): Output {
  return createOutput(print, { tables: stream.isTTY === true, colour: colourWanted(stream, env) });
}

// Styles off: cli-table3 would colour with a library of its own, and the colour here follows `colourWanted`.
const style = { head: [], border: [], compact: true };

const good = new Set(['active', 'succeeded', 'delivered', 'enabled', 'resumed', 'completed']);
const held = new Set([
  'paused',
  'pending',
  'parked',
  'waiting',
  'deprecated',
  'running',
  'scheduled',
  'queued',
  'retry',
]);
const bad = new Set(['failed', 'disabled', 'discarded', 'revoked', 'inactive', 'cancelled', 'gone', 'failing']);

export function createOutput(print: (line: string) => void, options: { tables: boolean; colour: boolean }): Output {
  const colour = pc.createColors(options.colour);
  const state = (word: string) => {
    const first = /^[a-z]+/.exec(word)?.[0] ?? '';
    if (good.has(first)) return colour.green(word);
    if (held.has(first)) return colour.yellow(word);
    if (bad.has(first)) return colour.red(word);
    return word === 'archived' ? colour.dim(word) : word;
  };
  const marks: Record<string, (text: string) => string> = {
    '✓': colour.green,
    '✗': colour.red,
    '…': colour.yellow,
    '‖': colour.yellow,
  };
  return {
    print,
    colour,
    state,
    mark: (mark) => (marks[mark] ?? String)(mark),
    json: (value) => print(JSON.stringify(value)),
    table(head, rows, { indent = 0 } = {}) {
      if (options.tables) {
        if (rows.length === 0) return print(indented(colour.dim('(none)'), indent));
        const table = new Table({ head: head.map((h) => colour.bold(h)), style });
        table.push(...rows);
        print(indented(table.toString(), indent));
      } else for (const line of aligned(rows)) print(`${' '.repeat(indent)}${line}`);
    },
    details(pairs) {
      if (options.tables) {
        const table = new Table({ style });
        table.push(...pairs.map(([name, value]) => ({ [colour.bold(name)]: value })));
        print(table.toString());
      } else for (const line of aligned(pairs)) print(line);
    },
  };
}

/** Columns padded to their widest cell (colour codes not counted), two spaces apart, no trailing spaces. */
export function aligned(rows: string[][]): string[] {
  const width = (cell: string) => stripVTControlCharacters(cell).length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd(),
  );
}

function indented(text: string, indent: number): string {
  return indent === 0 ? text : text.replace(/^/gm, ' '.repeat(indent));
}
