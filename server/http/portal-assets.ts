import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

/** Where the portal's sources and its built assets are, found from the sources (tsx) and from `dist/` alike. */
export interface PortalPaths {
  /** server/portal-ui: absent from a production image, which ships the built assets only. */
  sourceDir: string;
  /** dist/portal-ui: index.html and assets/. */
  assetsDir: string;
}

export function portalPaths(): PortalPaths {
  // From server/http/ the repository is two folders up; from dist/server/http/ three.
  for (const relative of ['../..', '../../..']) {
    const root = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path.join(root, 'package.json')) && existsSync(path.join(root, 'server'))) {
      return { sourceDir: path.join(root, 'server', 'portal-ui'), assetsDir: path.join(root, 'dist', 'portal-ui') };
    }
  }
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return { sourceDir: path.join(root, 'server', 'portal-ui'), assetsDir: path.join(root, 'dist', 'portal-ui') };
}

/**
 * Builds the portal's page when its assets are missing or older than its sources, so `npm start` needs no build
 * step of its own. A production image has no sources (its build stage made the assets): nothing to do there.
 * Returns what happened, for the start-up lines.
 */
export async function ensurePortalAssets(
  paths: PortalPaths = portalPaths(),
): Promise<'built' | 'current' | 'prebuilt' | 'missing'> {
  const sourcesAt = await newestChange(paths.sourceDir);
  const builtAt = await fs
    .stat(path.join(paths.assetsDir, 'index.html'))
    .then((stat) => stat.mtimeMs)
    .catch(() => undefined);
  if (sourcesAt === undefined) return builtAt === undefined ? 'missing' : 'prebuilt';
  if (builtAt !== undefined && builtAt >= sourcesAt) return 'current';
  await buildPortalAssets(paths);
  return 'built';
}

/**
 * Vite's build into a fresh folder that then takes the place of the old one, so a server reading the assets
 * meanwhile (or a second `herald start` building at the same time) never sees half a build.
 */
export async function buildPortalAssets(paths: PortalPaths = portalPaths()): Promise<void> {
  // A development dependency: loaded only where the sources are, never by a production image.
  const { build } = await import('vite');
  const staging = `${paths.assetsDir}.build-${process.pid}-${Date.now()}`;
  try {
    await build({
      configFile: path.join(paths.sourceDir, 'vite.config.ts'),
      root: paths.sourceDir,
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    await precompress(path.join(staging, 'assets'));
    const previous = `${paths.assetsDir}.old-${process.pid}-${Date.now()}`;
    await fs.rename(paths.assetsDir, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await fs.rename(staging, paths.assetsDir);
    await fs.rm(previous, { recursive: true, force: true });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** gzip and brotli copies beside each script and stylesheet, which the server sends to browsers that take them. */
async function precompress(dir: string): Promise<void> {
  const files = (await fs.readdir(dir)).filter((name) => /\.(js|css|svg)$/.test(name));
  await Promise.all(
    files.map(async (name) => {
      const body = await fs.readFile(path.join(dir, name));
      await fs.writeFile(path.join(dir, `${name}.gz`), await promisify(gzip)(body, { level: 9 }));
      await fs.writeFile(
        path.join(dir, `${name}.br`),
        await promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
      );
    }),
  );
}

/** The latest modification time of any file under `dir`, or undefined when there is no such folder. */
async function newestChange(dir: string): Promise<number | undefined> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (!entries) return undefined;
  let newest = 0;
  for (const entry of entries) {
    if (!entry.isFile() || entry.parentPath.includes('node_modules')) continue;
    const stat = await fs.stat(path.join(entry.parentPath, entry.name));
    newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}
