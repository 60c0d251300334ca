import { describe, expect, it } from 'vitest';
import { aligned, colourWanted, terminalOutput } from '../../server/commands/client/output.js';
import { colourEnvironment } from '../../server/config.js';

const ESC = '\u001b[';

/** Everything a command printed through the output for this stream and environment. */
function printed(isTTY: boolean, env: Record<string, string>, use: (out: ReturnType<typeof terminalOutput>) => void) {
  const lines: string[] = [];
  use(terminalOutput({ isTTY }, colourEnvironment(env), (line) => lines.push(line)));
  return lines.join('\n');
}

describe('the CLI output', () => {
  it('colours for a terminal, unless NO_COLOR is set or the terminal is dumb', () => {
    expect(colourWanted({ isTTY: true }, colourEnvironment({}))).toBe(true);
    expect(colourWanted({ isTTY: true }, colourEnvironment({ NO_COLOR: '1' }))).toBe(false);
    expect(colourWanted({ isTTY: true }, colourEnvironment({ TERM: 'dumb' }))).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colourWanted({ isTTY: true }, colourEnvironment({ NO_COLOR: '' }))).toBe(true);
  });

  it('does not colour a pipe or a file, unless FORCE_COLOR asks; NO_COLOR wins over it', () => {
    expect(colourWanted({ isTTY: false }, colourEnvironment({}))).toBe(false);
    expect(colourWanted({}, colourEnvironment({}))).toBe(false);
    expect(colourWanted({ isTTY: false }, colourEnvironment({ FORCE_COLOR: '1' }))).toBe(true);
    expect(colourWanted({ isTTY: true }, colourEnvironment({ FORCE_COLOR: '0' }))).toBe(false);
    expect(colourWanted({ isTTY: false }, colourEnvironment({ FORCE_COLOR: '1', NO_COLOR: '1' }))).toBe(false);
  });

  it('prints aligned plain lines without a heading or escape codes off a terminal', () => {
    const text = printed(false, {}, (out) =>
      out.table(
        ['ID', 'STATE', 'URL'],
        [
          ['wh_1', out.state('active'), 'http://127.0.0.1:4000'],
          ['wh_22', out.state('disabled (gone)'), 'http://127.0.0.1:4001'],
        ],
      ),
    );
    expect(text).toBe('wh_1   active           http://127.0.0.1:4000\nwh_22  disabled (gone)  http://127.0.0.1:4001');
    expect(
      printed(false, {}, (out) =>
        out.details([
          ['url', 'http://x'],
          ['events', 'a, b'],
        ]),
      ),
    ).toBe('url     http://x\nevents  a, b');
  });

  it('draws a table with a heading, in colour, at a terminal; without colour when NO_COLOR is set', () => {
    const draw = (env: Record<string, string>) =>
      printed(true, env, (out) => out.table(['ID', 'STATE'], [['wh_1', out.state('failed')]]));
    const coloured = draw({});
    expect(coloured).toContain('┌');
    expect(coloured).toContain(`${ESC}31mfailed`);
    const plain = draw({ NO_COLOR: '1' });
    expect(plain).toContain('┌');
    expect(plain).toMatch(/│ ID +│ STATE +│/);
    expect(plain).not.toContain(ESC);
  });

  it('aligns by what shows, not by escape codes, and leaves no trailing spaces', () => {
    expect(
      aligned([
        [`${ESC}32mok${ESC}39m`, 'x'],
        ['longer', 'y'],
        ['z', ''],
      ]),
    ).toEqual([`${ESC}32mok${ESC}39m      x`, 'longer  y', 'z']);
  });
});
