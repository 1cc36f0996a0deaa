/** A request for something served from inside a workspace: VS Code, or a port the user's own server listens on. */
export interface WorkspaceRoute {
  /** The workspace's name (its slug) as it appears in the URL. */
  name: string;
  app: { kind: "code" } | { kind: "port"; port: number };
  /** The URL prefix that belongs to the portal, stripped before the request reaches the workspace. */
  prefix: string;
  /** What the workspace sees: the rest of the path, query string kept (code-server's reconnection tokens). */
  upstreamPath: string;
  /** `/workspace/x/code` without its slash: relative URLs only work below the slash form. */
  needsSlash: boolean;
}

const PATTERN = /^\/workspace\/([a-z0-9]+(?:-[a-z0-9]+)*)\/(code|ports\/(\d{1,5}))(\/.*)?$/;

export function parseWorkspaceRoute(url: string): WorkspaceRoute | null {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q);
  const match = PATTERN.exec(path);
  if (!match) return null;
  const [, name, what, portText, rest] = match;
  let app: WorkspaceRoute["app"] = { kind: "code" };
  if (portText !== undefined) {
    const port = Number(portText);
    if (port < 1 || port > 65535) return null;
    app = { kind: "port", port };
  }
  return {
    name: name!,
    app,
    prefix: `/workspace/${name}/${what}`,
    upstreamPath: `${rest ?? "/"}${query}`,
    needsSlash: rest === undefined,
  };
}
