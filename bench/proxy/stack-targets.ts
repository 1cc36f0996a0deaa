import type { Asset } from "./assets";
import type { ChpServer } from "./chp";
import type { CodePortal } from "./code-portal";
import type { Stack, StackTarget } from "./results";

/**
 * The portal proxy row's spelling of an asset: `<version>/static//out/…` for `<version>/static/out/…`.
 *
 * On VS Code's host the portal answers `/<version>/static/…` from its copy of the image, so the same path never
 * reaches the proxy. The doubled slash is a name the copy's index does not have (it hands the request on), while
 * VS Code's static handler normalises it to the very file direct and CHP are asked for. So this row has the same
 * upstream handler, the same bytes and the same code-server password check as those two rows, and the portal's
 * whole path for anything the copy lacks (app session check, code-server's cookie injected, undici forwarding):
 * what it adds over direct is the proxy alone. The alternatives measure something else or nothing: through a port
 * host (`8080--<workspace>`) code-server answers 401, as the portal presents its password only on the code host
 * and drops a password cookie the client sends; a second static server in the workspace would put that server's
 * speed into the row instead of code-server's, and direct and CHP would no longer be its reference.
 */
export function uncopiedPath(path: string): string {
  return path.replace("/static/", "/static//");
}

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
