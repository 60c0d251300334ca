export type Theme = 'light' | 'dark';
const KEY = 'herald-portal-theme';

/** The theme the owner picked, else the system's (prefers-color-scheme). */
export function currentTheme(): Theme {
  const stored = readStored();
  if (stored) return stored;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyStoredTheme(): void {
  const stored = readStored();
  if (stored) document.documentElement.dataset.theme = stored;
}

export function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Storage refused (a sandboxed frame): the choice lasts until the page reloads.
  }
}

function readStored(): Theme | undefined {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The workspace's accent colour, set as a CSS variable (through the CSSOM, which the page's policy allows). */
export function applyAccent(color: string | null | undefined): void {
  if (color && /^#[0-9a-fA-F]{6}$/.test(color)) document.documentElement.style.setProperty('--accent', color);
}
