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
