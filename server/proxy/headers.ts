import type { IncomingHttpHeaders } from "node:http";
import { isPortalCookie } from "../../lib/auth/request-session";

// What a browser's request may carry into a workspace, by name. Everything else stays behind: credentials
// (Authorization, Proxy-Authorization), what a front proxy says about the user, and connection-level headers,
// whose own values the forwarder sets.
const PASSED = new Set([
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "content-encoding",
  "content-language",
  "content-length",
  "content-type",
  "cookie",
  "dnt",
  "host",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-range",
  "if-unmodified-since",
  "last-event-id",
  "origin",
  "pragma",
  "range",
  "referer",
  "sec-fetch-dest",
  "sec-fetch-mode",
  "sec-fetch-site",
  "sec-fetch-user",
  "transfer-encoding",
  "user-agent",
]);
// A WebSocket's handshake also needs these.
const PASSED_WS = new Set(["connection", "upgrade", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"]);
// Applications' own X- headers, by name too: anti-forgery tokens (Jupyter and Tornado, Django, Rails, Angular,
// TensorBoard, RStudio), "this is script, not a form" and method overrides. VS Code sends none of its own to
// code-server. Any other X- header stays behind: front proxies and single sign-on say who the user is or hand over
// credentials in headers of their own devising (X-MS-Client-Principal, X-SSL-Client-Cert, X-Email, X-Access-Token,
// X-JupyterHub-User, X-Jupyter-Token, ...), and a list of those could never be complete.
const PASSED_X = new Set([
  "x-requested-with",
  "x-xsrftoken",
  "x-xsrf-token",
  "x-csrftoken",
  "x-csrf-token",
  "x-xsrf-protected",
  "x-rs-csrf-token",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
]);

// What an app's response may not do to the browser: widen a service worker's reach, or wipe other sites' data.
const BLOCKED_RESPONSE = ["service-worker-allowed", "clear-site-data", "alt-svc"];

export interface Forwarding {
  /** The app's host, as the browser addressed it. */
  host: string;
  protocol: "http" | "https";
  /** The browser's address, or the chain a trusted front proxy reported. */
  forwardedFor: string;
}

/**
 * The headers a request into a workspace carries: the passed lists, the app's own cookies only, X-Forwarded-*.
 * A header the browser's Connection header names belongs to that one hop, and never passes (RFC 9110 §7.6.1).
 */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  forwarding: Forwarding,
  options: { websocket: boolean; dropCookie: (name: string) => boolean; extraCookie?: string; authorization?: string },
): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  const hopOnly = connectionNamed(headers.connection);
  for (const name in headers) {
    if (hopOnly.has(name) && !(options.websocket && name === "upgrade")) continue;
    if (PASSED.has(name) || PASSED_X.has(name) || (options.websocket && PASSED_WS.has(name))) out[name] = headers[name];
  }
  // A handshake's Connection says "Upgrade" and nothing else: it names no header of the portal's for the next hop.
  if (out.connection !== undefined) out.connection = "Upgrade";
  const cookies = hopOnly.has("cookie") ? undefined : keptCookies(headers.cookie, options.dropCookie);
  const cookie = [cookies, options.extraCookie].filter(Boolean).join("; ");
  if (cookie) out.cookie = cookie;
  else delete out.cookie;
  // An app the portal signs in to (Jupyter) gets the portal's credential, whatever the browser sent.
  if (options.authorization) out.authorization = options.authorization;
  out.host = forwarding.host;
  out["x-forwarded-host"] = forwarding.host;
  out["x-forwarded-proto"] = forwarding.protocol;
  out["x-forwarded-for"] = forwarding.forwardedFor;
  return out;
}

/** The header names a Connection header lists, lowercased (Node joins repeated Connection headers with commas). */
function connectionNamed(connection: string | undefined): Set<string> {
  return new Set((connection ?? "").toLowerCase().split(",").map((name) => name.trim()).filter(Boolean));
}

/** The Cookie header without the cookies `drop` names (the portal's, the app session's, code-server's). */
export function keptCookies(cookieHeader: string | undefined, drop: (name: string) => boolean): string | undefined {
  if (!cookieHeader) return undefined;
  const kept = cookieHeader
    .split(";")
    .map((part) => part.trim())
    .filter((part) => {
      const eq = part.indexOf("=");
      return part !== "" && eq > 0 && !drop(part.slice(0, eq).trim());
    });
  return kept.length ? kept.join("; ") : undefined;
}

/**
 * An app's Set-Cookie headers, minus any that name a protected cookie or have no name (`=next-auth…` reads as a
 * nameless cookie to the proxy, and as `next-auth…` to some browsers), and with any Domain attribute removed: an
 * app's cookie stays on the app's own host, never reaching the portal or another app.
 */
export function appSetCookies(values: string[], drop: (name: string) => boolean): string[] {
  const kept: string[] = [];
  for (const value of values) {
    const [pair = "", ...attributes] = value.split(";");
    const eq = pair.indexOf("=");
    const name = eq < 0 ? "" : pair.slice(0, eq).trim();
    if (!name || drop(name)) continue;
    kept.push([pair, ...attributes.filter((a) => !/^\s*domain\s*=/i.test(a))].join(";"));
  }
  return kept;
}

/** Takes what an app's response may not say to the browser off its headers, in place. */
export function filterResponseHeaders(headers: IncomingHttpHeaders, drop: (name: string) => boolean): void {
  for (const name of BLOCKED_RESPONSE) delete headers[name];
  const setCookie = headers["set-cookie"];
  if (setCookie === undefined) return;
  const kept = appSetCookies(Array.isArray(setCookie) ? setCookie : [setCookie], drop);
  if (kept.length) headers["set-cookie"] = kept;
  else delete headers["set-cookie"];
}

/** The names no app may read or set: the portal's own cookies, plus those of the app's own gate. */
export function protectedCookie(appCookieName: string, alsoDrop: string[] = []) {
  const names = new Set([appCookieName.toLowerCase(), ...alsoDrop.map((n) => n.toLowerCase())]);
  return (name: string) => isPortalCookie(name) || names.has(name.toLowerCase());
}

/** X-Forwarded-For as the workspace sees it: a trusted front proxy's chain plus its address, or just the peer's. */
export function forwardedFor(headers: IncomingHttpHeaders, peer: string | undefined, trusted: readonly string[]): string {
  const address = peer ?? "";
  const inbound = headers["x-forwarded-for"];
  if (inbound && trusted.some((proxy) => normalize(proxy) === normalize(address))) return `${Array.isArray(inbound) ? inbound.join(", ") : inbound}, ${address}`;
  return address;
}

const normalize = (address: string) => {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") ? lower.slice(7) : lower;
};
