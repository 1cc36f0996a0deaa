import type { IncomingHttpHeaders } from "node:http";
import { isPortalCookie } from "../../lib/auth/request-session";

/** The Cookie header without any of the portal's own cookies: a workspace never sees a portal credential. */
export function withoutPortalCookies(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const kept = cookieHeader
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part && !isPortalCookie(part.slice(0, Math.max(0, part.indexOf("=")))));
  return kept.length ? kept.join("; ") : undefined;
}

/** Set-Cookie headers from a workspace, minus any that would overwrite a portal cookie (session fixation). */
export function filterSetCookie(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.filter((v) => !isPortalCookie(v.slice(0, Math.max(0, v.indexOf("="))).trim()));
}

/** A workspace server's absolute redirect (`Location: /login`) stays under its URL prefix. */
export function rewriteLocation(location: string | undefined, prefix: string): string | undefined {
  if (!location || !location.startsWith("/") || location.startsWith("//")) return location;
  return `${prefix}${location}`;
}

/** What the workspace is told about the original request, so code-server's own Origin check agrees with ours. */
export function forwardedHeaders(headers: IncomingHttpHeaders, publicUrl: URL, remoteAddress: string | undefined) {
  return {
    "x-forwarded-host": publicUrl.host,
    "x-forwarded-proto": publicUrl.protocol.replace(":", ""),
    "x-forwarded-for": [headers["x-forwarded-for"], remoteAddress].filter(Boolean).join(", "),
  };
}
