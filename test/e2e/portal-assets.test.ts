import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePortalAssets, portalPaths, type PortalPaths } from '../../server/http/portal-assets.js';

/**
 * `herald start` builds the portal's page only when it has to: a copy of the page's sources (inside the
 * repository, so its packages resolve) and its own output folder, built for real with Vite.
 */
const work = path.resolve(`dist/.portal-assets-test-${randomBytes(4).toString('hex')}`);
const paths: PortalPaths = { sourceDir: path.join(work, 'portal-ui'), assetsDir: path.join(work, 'out') };

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('the portal page build', () => {
  it('builds when missing or older than its sources, and leaves a current build alone', async () => {
    await fs.cp(portalPaths().sourceDir, paths.sourceDir, { recursive: true });
    expect(await ensurePortalAssets(paths)).toBe('built');
    const files = await fs.readdir(path.join(paths.assetsDir, 'assets'));
    expect(files.some((f) => /^index-[\w-]+\.js$/.test(f))).toBe(true);
    expect(files.some((f) => f.endsWith('.js.gz'))).toBe(true);
    expect(files.some((f) => f.endsWith('.js.br'))).toBe(true);
    const html = await fs.readFile(path.join(paths.assetsDir, 'index.html'), 'utf8');
    expect(html).toContain('src="/portal/assets/index-');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    expect(await ensurePortalAssets(paths)).toBe('current');

    // An edited source, newer than the build: built again (and only the new build is left).
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(path.join(paths.sourceDir, 'src', 'styles.css'), later, later);
    expect(await ensurePortalAssets(paths)).toBe('built');
    expect((await fs.readdir(work)).sort()).toEqual(['out', 'portal-ui']);
  });

  it('serves what was built where there are no sources (a production image), and says when there is nothing', async () => {
    await fs.rm(paths.sourceDir, { recursive: true, force: true });
    expect(await ensurePortalAssets(paths)).toBe('prebuilt');
    await fs.rm(paths.assetsDir, { recursive: true, force: true });
    expect(await ensurePortalAssets(paths)).toBe('missing');
  });
});
