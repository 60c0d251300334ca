import { useEffect, useState } from 'preact/hooks';
import { api, isSessionGone, messageOf, type Session } from './api.js';
import { Header } from './header.js';
import { DeliveriesPage } from './pages/deliveries.js';
import { DeliveryPage } from './pages/delivery.js';
import { WebhookFormPage } from './pages/webhook-form.js';
import { WebhookPage } from './pages/webhook.js';
import { WebhooksPage } from './pages/webhooks.js';
import { useRoute } from './router.js';
import { SessionContext, whenSessionEnds } from './session-state.js';
import { applyAccent } from './theme.js';
import { Link } from './link.js';

type State =
  { kind: 'loading' } | { kind: 'ended' } | { kind: 'error'; message: string } | { kind: 'ready'; session: Session };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    whenSessionEnds(() => setState({ kind: 'ended' }));
    api.session.get.query().then(
      (session) => {
        applyAccent(session.branding.accentColor);
        document.title = `Webhooks · ${session.branding.name ?? session.workspace.name}`;
        setState({ kind: 'ready', session });
      },
      (error: unknown) =>
        setState(isSessionGone(error) ? { kind: 'ended' } : { kind: 'error', message: messageOf(error) }),
    );
  }, []);

  if (state.kind === 'loading') return <main class="page" aria-busy="true" />;
  if (state.kind === 'ended') return <SessionEnded />;
  if (state.kind === 'error')
    return (
      <main class="page">
        <h1>Webhooks</h1>
        <p role="alert" class="error">
          {state.message}
        </p>
      </main>
    );
  return (
    <SessionContext.Provider value={state.session}>
      <Header session={state.session} />
      <main class="page" id="main">
        <Routes />
      </main>
    </SessionContext.Provider>
  );
}

function Routes() {
  const route = useRoute();
  switch (route.page) {
    case 'webhooks':
      return <WebhooksPage />;
    case 'new-webhook':
      return <WebhookFormPage />;
    case 'edit-webhook':
      return <WebhookFormPage id={route.id} />;
    case 'webhook':
      return <WebhookPage id={route.id} />;
    case 'deliveries':
      return <DeliveriesPage query={route.query} />;
    case 'delivery':
      return <DeliveryPage id={route.id} />;
    default:
      return (
        <>
          <h1>Page not found</h1>
          <p>
            <Link to="/">Back to your webhooks</Link>
          </p>
        </>
      );
  }
}

/** No session (the link was used already, has expired, or this page was opened without one). */
function SessionEnded() {
  return (
    <main class="page narrow">
      <h1>Your session has ended</h1>
      <p class="session-ended">
        This page needs a fresh link. Go back to the app you manage your webhooks from and ask your app for a new link.
      </p>
    </main>
  );
}
