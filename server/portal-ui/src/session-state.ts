import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api.js';

/** Told when any call finds the session gone (expired, or the link never worked): the page says what to do. */
let onEnded: () => void = () => {};
export function whenSessionEnds(callback: () => void): void {
  onEnded = callback;
}
export function sessionEnded(): void {
  onEnded();
}

export const SessionContext = createContext<Session | undefined>(undefined);

/** Whether the session may change things; read-only sessions see no mutation controls at all. */
export function useCanManage(): boolean {
  return useContext(SessionContext)?.permissions === 'manage';
}
