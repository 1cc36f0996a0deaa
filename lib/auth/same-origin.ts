/**
 * What a request that carries no Origin header is taken for:
 * - "refused": where every browser sends one (a WebSocket handshake), its absence means no browser page at all;
 * - "allowed": where a browser leaves it out only for its own site (a form or link on the app's own page);
 * - "sec-fetch-site": a browser's `Sec-Fetch-Site: same-origin` vouches for it, anything else is refused.
 */
export type WithoutOrigin = "refused" | "allowed" | "sec-fetch-site";

/** The headers a browser sets and a page's script cannot, as the request carried them. */
export interface OriginHeaders {
  origin: string | null | undefined;
  fetchSite?: string | null | undefined;
}

/**
 * Did this request come from a page of `origin`? The one check every door that can change something makes
 * (state-changing API calls, terminal sockets, requests and sockets on an app's host). A foreign Origin (another
 * site, another app, a sandboxed page's "null", an empty one) is always refused; a missing one is `withoutOrigin`.
 */
export function sameOrigin(origin: string, sent: OriginHeaders, withoutOrigin: WithoutOrigin): boolean {
  if (sent.origin !== undefined && sent.origin !== null) return sent.origin === origin;
  if (withoutOrigin === "sec-fetch-site") return sent.fetchSite === "same-origin";
  return withoutOrigin === "allowed";
}
