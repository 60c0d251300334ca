import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * A real Chromium with a profile of its own, thrown away on close: no cookie or storage leaks from one test file
 * (or one session) into the next. The page's Content-Security-Policy is enforced, as for any visitor.
 */
export async function openBrowser(
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 900 },
    bypassCSP: false,
  });
  const violations: string[] = [];
  // A script or style the policy refused means the page needs what it forbids; a refused frame is the policy's
  // frame-ancestors doing its work (a test checks that on purpose).
  context.on('console', (message) => {
    const text = message.text();
    if (/Content.Security.Policy/i.test(text) && !/frame-ancestors/.test(text)) violations.push(text);
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
      if (violations.length > 0)
        throw new Error(`the page broke its Content-Security-Policy:\n${violations.join('\n')}`);
    },
  };
}

/**
 * The accessibility check every portal page passes: axe-core's WCAG 2.x A/AA rules, failing on any serious or
 * critical violation (each named, with the elements it found).
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length === 0) return;
  const report = serious
    .map(
      (v) =>
        `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((node) => `    ${node.target.join(' ')}: ${node.failureSummary?.split('\n').join(' ') ?? ''}`)
          .join('\n')}`,
    )
    .join('\n');
  throw new Error(`${what} has accessibility violations:\n${report}`);
}
