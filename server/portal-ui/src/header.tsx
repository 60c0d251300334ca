import { useState } from 'preact/hooks';
import type { Session } from './api.js';
import { Link } from './link.js';
import { useRoute } from './router.js';
import { currentTheme, setTheme, type Theme } from './theme.js';

export function Header({ session }: { session: Session }) {
  const name = session.branding.name ?? session.workspace.name;
  const [theme, setThemeState] = useState<Theme>(currentTheme);
  const route = useRoute();
  const inLog = route.page === 'deliveries' || route.page === 'delivery';
  const toggle = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    setTheme(next);
    setThemeState(next);
  };
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <div class="brand">
        {session.branding.logoUrl && <img src={session.branding.logoUrl} alt="" class="logo" />}
        <span class="brand-name">{name}</span>
        <span class="brand-sub">Webhooks</span>
      </div>
      <nav aria-label="Portal">
        <Link to="/" current={!inLog}>
          Webhooks
        </Link>
        <Link to="/deliveries" current={inLog}>
          Delivery log
        </Link>
      </nav>
      <div class="session-info">
        {session.permissions === 'read' && <span class="badge">Read only</span>}
        <button
          type="button"
          class="ghost"
          onClick={toggle}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </div>
    </header>
  );
}
