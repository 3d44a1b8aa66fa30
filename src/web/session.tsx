import { createContext, useContext } from 'react';
import type { Me, Unit } from '../shared/api';

/** The signed-in person, the units by id (for names) and how to sign out: what every page reads. */
export interface Session {
  me: Me;
  units: Map<string, Unit>;
  signOut: () => Promise<void>;
}

/**
 * Provided by the app shell (app.tsx) around the pages. It lives in its own module so that pages importing
 * `useSession` do not import the shell, which imports every page.
 */
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}
