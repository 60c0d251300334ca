import { useCallback, useEffect, useState } from 'preact/hooks';
import { isSessionGone, messageOf } from './api.js';
import { sessionEnded } from './session-state.js';

export interface Loaded<T> {
  data?: T | undefined;
  error?: string | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads what a page shows, again whenever `deps` change or the page asks; an ended session shows the link page. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => {
        if (!current) return;
        if (isSessionGone(error)) sessionEnded();
        setState({ error: messageOf(error), loading: false });
      },
    );
    return () => {
      current = false;
    };
    // The caller names what the load depends on.
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}

/** Runs one action at a time (a button's), with its error to show; an ended session shows the link page. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (caught) {
      if (isSessionGone(caught)) sessionEnded();
      setError(messageOf(caught));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}
