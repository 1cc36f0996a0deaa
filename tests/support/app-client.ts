import type { LookupFunction } from "node:net";
import { Agent, fetch, type RequestInit, type Response } from "undici";

// Every name is loopback here, as `*.localhost` is to a browser and as `--host-resolver-rules` makes test domains.
export const toLoopback = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  if (options?.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
}) as unknown as LookupFunction;

export const loopback = new Agent({ connect: { lookup: toLoopback } });

/** fetch for app origins (`code--alice-x.localhost:port`), which Node's resolver does not know. */
export function appFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, dispatcher: loopback });
}

export interface OpenedApp {
  /** The app's origin, e.g. http://code--alice-xyz.localhost:4123 */
  origin: string;
  /** The app's own session cookie (`name=value`), as the browser would send it. */
  cookie: string;
  /** Where the ticket exchange sent the browser on. */
  location: string;
}

/** Asks the portal for a ticket (as its own page does) and exchanges it on the app's host, as a browser would. */
export async function ticketFor(portalUrl: string, portalCookie: string, app: string, path?: string): Promise<string> {
  const response = await fetch(`${portalUrl}/api/apps/ticket`, {
    method: "POST",
    headers: { cookie: portalCookie, origin: portalUrl, "content-type": "application/json" },
    body: JSON.stringify(path === undefined ? { app } : { app, path }),
  });
  if (response.status !== 200) throw new Error(`ticket refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { url: string }).url;
}

export async function exchange(ticketUrl: string): Promise<Response> {
  return appFetch(ticketUrl, { redirect: "manual" });
}

export async function openApp(portalUrl: string, portalCookie: string, app: string, path?: string): Promise<OpenedApp> {
  const url = await ticketFor(portalUrl, portalCookie, app, path);
  const response = await exchange(url);
  if (response.status !== 303) throw new Error(`ticket exchange answered ${response.status}: ${await response.text()}`);
  const cookie = response.headers.getSetCookie()[0]?.split(";")[0];
  if (!cookie) throw new Error("ticket exchange set no cookie");
  return { origin: new URL(url).origin, cookie, location: response.headers.get("location") ?? "" };
}
