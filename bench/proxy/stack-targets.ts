import type { Asset } from "./assets";
import type { ChpServer } from "./chp";
import type { CodePortal } from "./code-portal";
import type { Stack, StackTarget } from "./results";
import { uncopiedPath } from "./uncopied-path";

/**
 * Every stack's address and credentials. The portal rows connect to the portal's listener with the code host as
 * Host and the app cookie the ticket exchange set (the portal session cookie never goes to an app host); direct and
 * CHP present code-server's password cookie, as the portal does on the code host.
 */
export function stackTargets(portal: CodePortal, chp: ChpServer): Record<Stack, StackTarget> {
  const onCodeHost = { host: portal.codeHost, cookie: portal.codeCookie };
  const gate = { cookie: portal.codeServerCookie };
  return {
    portal: { base: portal.connectUrl, headers: onCodeHost, pid: portal.pid },
    proxied: { base: portal.connectUrl, headers: onCodeHost, pathOf: (asset: Asset) => uncopiedPath(asset.path), pid: portal.pid },
    chp: { base: chp.url, headers: gate, pid: chp.pid },
    direct: { base: portal.directUrl, headers: gate },
  };
}

export function urlOf(target: StackTarget, asset: Asset): string {
  return target.base + (target.pathOf ? target.pathOf(asset) : asset.path);
}
