import { SLUG_PATTERN } from "../identity/naming";

/** One app of one workspace: VS Code, Jupyter Notebook, or a port the user's own server listens on. */
export type WorkspaceApp = { kind: "code" } | { kind: "notebook" } | { kind: "port"; port: number };

export interface AppAddress {
  /** The workspace's slug. */
  slug: string;
  app: WorkspaceApp;
}

// A DNS label is at most 63 characters; slugs are at most about 41, so `<port>--<slug>` always fits.
const MAX_LABEL = 63;
// Slugs never contain "--", so the first "--" always ends the app's name: `8000--123-abc` is port 8000 of `123-abc`.
const LABEL = /^(code|nb|[1-9]\d{0,4})--([a-z0-9-]+)$/;

/** The first label of an app's host name: `code--alice-xakvtnsb`, `nb--alice-xakvtnsb`, `8000--alice-xakvtnsb`. */
export function appLabel({ slug, app }: AppAddress): string {
  return `${appName(app)}--${slug}`;
}

export function parseAppLabel(label: string): AppAddress | null {
  if (label.length > MAX_LABEL) return null;
  const match = LABEL.exec(label);
  if (!match) return null;
  const [, name, slug] = match;
  if (!SLUG_PATTERN.test(slug!)) return null;
  const app = parseAppName(name!);
  return app && { slug: slug!, app };
}

/** "code", "nb", or a port number as text (what URLs, tickets and the open page carry). */
export function parseAppName(name: string): WorkspaceApp | null {
  if (name === "code") return { kind: "code" };
  if (name === "nb") return { kind: "notebook" };
  if (!/^[1-9]\d{0,4}$/.test(name)) return null;
  const port = Number(name);
  return port <= 65535 ? { kind: "port", port } : null;
}

export function appName(app: WorkspaceApp): string {
  return app.kind === "code" ? "code" : app.kind === "notebook" ? "nb" : String(app.port);
}

export function sameApp(a: WorkspaceApp, b: WorkspaceApp): boolean {
  return appName(a) === appName(b);
}

/** What people call the app, in pages and messages. */
export function appTitle(app: WorkspaceApp): string {
  return app.kind === "code" ? "VS Code" : app.kind === "notebook" ? "Jupyter Notebook" : `port ${app.port}`;
}
