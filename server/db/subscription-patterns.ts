/**
 * Webhooks subscribe to exact event type names or to wildcards: `*` (everything) and `order.*` (every type under
 * `order.`, at any depth).
 */

export function isWildcard(pattern: string): boolean {
  return pattern === '*' || pattern.endsWith('.*');
}

export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/**
 * Every subscription that matches `type`: the name itself, each ancestor wildcard and `*`. Looking these up with
 * the array-overlap operator lets Postgres find subscribers through the GIN index on `webhooks.events`.
 * `order.item.added` → [`order.item.added`, `order.item.*`, `order.*`, `*`].
 */
export function matchingPatterns(type: string): string[] {
  const segments = type.split('.');
  const patterns = [type];
  for (let i = segments.length - 1; i >= 1; i--) patterns.push(`${segments.slice(0, i).join('.')}.*`);
  patterns.push('*');
  return patterns;
}
