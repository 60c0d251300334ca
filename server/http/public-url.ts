import type { IncomingHttpHeaders } from 'node:http';

/** A host as a client names it: a DNS name or an IP address (IPv6 in brackets), and an optional port. */
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const PROTOCOL = /^https?$/i;

/**
 * The base URL (no trailing slash) at which a client reached Herald, for the OpenAPI document's `servers` and the
 * `Location` of REST creations: `publicUrl` (HERALD_PUBLIC_URL) when it is set; otherwise what the request says,
 * behind a reverse proxy `X-Forwarded-Proto` and `X-Forwarded-Host` (the first value of each, the one the client's
 * side of the chain wrote), else `Host`, with `http` as the protocol when no proxy names one. Behind Docker, the
 * listen address (`http://0.0.0.0:3000`) would name no reachable server. A header value that is not a plain host
 * or protocol is ignored, so no header can put anything else into the document; with nothing usable, `fallback`.
 */
export function publicBaseUrl(publicUrl: string | undefined, headers: IncomingHttpHeaders, fallback: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const host = [firstValue(headers['x-forwarded-host']), firstValue(headers.host)].find(
    (value) => value !== undefined && HOST.test(value),
  );
  if (!host) return fallback;
  const forwarded = firstValue(headers['x-forwarded-proto']);
  const protocol = forwarded && PROTOCOL.test(forwarded) ? forwarded.toLowerCase() : 'http';
  return `${protocol}://${host}`;
}

/** The first of a header's values: repeated headers arrive as an array, and proxies append to a list. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}
