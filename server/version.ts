import { existsSync, readFileSync } from 'node:fs';

/** Herald's version from package.json, found from source (tsx) and from the compiled `dist/` alike. */
function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const file = new URL(relative, import.meta.url);
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'herald' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0';
}

export const heraldVersion = readVersion();
export const userAgent = `Herald/${heraldVersion}`;
