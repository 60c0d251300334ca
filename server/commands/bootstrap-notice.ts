import type { Bootstrap } from '../services/bootstrap.js';

/** What to tell the person at the terminal about the admin key. A generated key is printed here once, never logged. */
export function bootstrapNotice(bootstrap: Bootstrap | undefined): string {
  switch (bootstrap?.kind) {
    case 'generated':
      return [
        '',
        '  Admin API key (every permission, default workspace). It is shown ONCE; store it now:',
        `    ${bootstrap.key}`,
        '  Send it as X-API-Key or Authorization: Bearer. Set HERALD_ADMIN_KEY to choose your own instead.',
        '',
      ].join('\n');
    case 'from-environment':
      return '  Admin key    HERALD_ADMIN_KEY';
    case 'existing':
      return '  Admin key    created on first start (create more with apiKeys.create)';
    default:
      return '';
  }
}
