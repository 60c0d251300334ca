import { useEffect, useState } from 'preact/hooks';

/** The page's own paths, all under /portal/ (the server answers each with the page). */
export type Route =
  | { page: 'webhooks' }
  | { page: 'new-webhook' }
  | { page: 'webhook'; id: string }
  | { page: 'edit-webhook'; id: string }
  | { page: 'deliveries'; query: URLSearchParams }
  | { page: 'delivery'; id: string }
  | { page: 'not-found' };

const BASE = '/portal';

export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'webhooks' };
  if (parts[0] === 'webhooks' && parts[1] === 'new' && parts.length === 2) return { page: 'new-webhook' };
  if (parts[0] === 'webhooks' && parts[1] && parts.length === 2) return { page: 'webhook', id: parts[1] };
  if (parts[0] === 'webhooks' && parts[1] && parts[2] === 'edit') return { page: 'edit-webhook', id: parts[1] };
  if (parts[0] === 'deliveries' && parts.length === 1)
    return { page: 'deliveries', query: new URLSearchParams(search) };
  if (parts[0] === 'deliveries' && parts[1]) return { page: 'delivery', id: parts[1] };
  return { page: 'not-found' };
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

export function navigate(path: string): void {
  history.pushState(null, '', href(path));
  dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

/** The current route, following links and the back button. */
export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return route;
}

/** A link inside the page: follows it without reloading, unless the owner asks for a new tab. */
export function onLinkClick(event: MouseEvent, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}
