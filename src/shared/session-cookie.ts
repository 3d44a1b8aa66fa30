/**
 * The session cookie's names and a Cookie-header reader, shared by the HTTP app and the socket server (neither
 * imports the other). Pure: no express, no socket.io.
 */

/** Cookie name over plain HTTP (development, a LAN without TLS). */
export const PLAIN_SESSION_COOKIE = 'sanshen_sid';
/**
 * Over HTTPS: a `__Host-` cookie, which browsers accept only with Secure, Path=/ and no Domain, so a same-site
 * server (any *.xxx.edu.cn department site) cannot set or shadow it with a cookie of its own.
 */
export const SECURE_SESSION_COOKIE = '__Host-sanshen_sid';

export const sessionCookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : PLAIN_SESSION_COOKIE);

/** Every value of cookies named `name` in a Cookie header (a tossed cookie makes it two). */
export function cookieValues(header: string | undefined, names: readonly string[]): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && names.includes(part.slice(0, eq).trim())) {
      try {
        out.push(decodeURIComponent(part.slice(eq + 1).trim()));
      } catch {
        out.push('');
      }
    }
  }
  return out;
}
