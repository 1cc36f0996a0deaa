import type { ServerResponse } from "node:http";
import { refuse, type Door } from "./router";
import type { Site } from "./site";

/**
 * A request under a name that is not the portal's (an IP address, a short host name, an old domain): a browser's
 * page load goes to the same path at PUBLIC_URL, before any sign-in starts under the wrong origin. Nothing else
 * is answered: a redirect to another origin gives a rebinding page nothing it could read.
 */
export function misdirected(method: string | undefined, url: string | undefined, res: ServerResponse, publicUrl: URL): void {
  if (method === "GET" || method === "HEAD") {
    const path = (url ?? "/").startsWith("/") ? url! : "/";
    res.writeHead(308, { location: `${publicUrl.origin}${path}`, "cache-control": "no-store" });
    res.end();
    return;
  }
  res.writeHead(421, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(`This portal answers at ${publicUrl.origin}.`);
}

/** Everything asked of a name that is not the portal's, except the operators' probes (doors of their own). */
export function misdirectedDoor(publicUrl: URL): Door<"unknown"> {
  return {
    name: "misdirected",
    sites: ["unknown"],
    prefix: "/",
    request: (req, res) => misdirected(req.method, req.url, res, publicUrl),
    upgrade: (_req, socket) => refuse(socket, 421, "Misdirected Request"),
  };
}

/** A door of the portal's own: whatever it answers carries the portal's headers (and signing out, the wipe). */
export function portalDoor<K extends Site["kind"]>(door: Door<K>): Door<K> {
  const { request } = door;
  if (!request) return door;
  return {
    ...door,
    request(req, res, site) {
      setPortalHeaders(res);
      setSignOutHeaders(res, req.method, req.url);
      return request.call(door, req, res, site);
    },
  };
}

/**
 * What every portal response tells the browser: never frame us (apps open in tabs of their own), don't guess
 * content types, keep our URLs out of other sites' Referer, keep other sites' windows and embeds away from ours.
 */
export function setPortalHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", "frame-ancestors 'none'; object-src 'none'; base-uri 'self'");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "same-origin");
  res.setHeader("cross-origin-opener-policy", "same-origin");
  res.setHeader("cross-origin-resource-policy", "same-origin");
}

/** Signing out wipes what the portal's origin kept in this browser: caches, storage, service workers. */
export function setSignOutHeaders(res: ServerResponse, method: string | undefined, url: string | undefined): void {
  if (method === "POST" && (url ?? "").split("?")[0] === "/api/auth/signout") res.setHeader("clear-site-data", '"cache", "storage"');
}
