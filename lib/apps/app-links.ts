import { appName, type AppAddress } from "./app-address";

/** The one path on every app's host that belongs to the portal: where a ticket is exchanged for the app's cookie. */
export const TICKET_PATH = "/__portal/auth";

/** The portal page that opens an app (starting what it needs) and comes back to `path` on the app's host. */
export function openUrl(publicUrl: URL, address: AppAddress, path: string): string {
  const url = new URL(`/open/${appName(address.app)}`, publicUrl);
  url.searchParams.set("workspace", address.slug);
  if (path !== "/") url.searchParams.set("path", path);
  return url.href;
}

/** Where the browser goes with a fresh ticket. */
export function ticketUrl(appOrigin: string, ticket: string): string {
  return `${appOrigin}${TICKET_PATH}?ticket=${encodeURIComponent(ticket)}`;
}
