import { createHash } from "node:crypto";

/**
 * VS Code after its workspace moved (a lost machine, a container made anew): code-server's client keeps the
 * workbench open and tries to reconnect, and the new code-server refuses the old reconnection token ("Cannot
 * reconnect. Please reload the window."). The proxy adds one small script to the workbench page, on VS Code's own
 * origin: it asks the proxy which instance of the workspace runs now and reloads the window when that is no longer
 * the one the page came from. The reload goes through the proxy like any visit (the owner's session, the owner's
 * workspace), so it opens VS Code again in the moved workspace, starting it with visible progress if needed.
 */

/** Where the proxy answers, on VS Code's origin, under a prefix code-server does not use. */
export const MOVES_PREFIX = "/_scitex/";
export const WATCHER_PATH = `${MOVES_PREFIX}vscode-moves.js`;
export const INSTANCE_PATH = `${MOVES_PREFIX}instance`;

/** How often an open workbench asks (one small answer from the proxy's memory, never counted as use). */
export const WATCH_INTERVAL_MS = 2000;

/** What the page is told of an instance: a digest, not the container's id. Null: not running now. */
export function instanceTag(instanceId: string | undefined): string | null {
  return instanceId ? createHash("sha256").update(instanceId).digest("hex").slice(0, 16) : null;
}

/** Whether a request is for the workbench page itself (code-server serves it at its root, with a folder query). */
export function isWorkbenchPage(method: string | undefined, path: string): boolean {
  return (method ?? "GET") === "GET" && (path === "/" || path.startsWith("/?"));
}

/** The workbench page with the watcher added at the end of its head; unchanged when it has no head. */
export function withWatcher(html: string, tag: string | null): string {
  const at = html.indexOf("</head>");
  if (at < 0) return html;
  const src = `${WATCHER_PATH}?i=${encodeURIComponent(tag ?? "")}`;
  return `${html.slice(0, at)}<script src="${src}"></script>${html.slice(at)}`;
}

/**
 * The watcher: a classic script (code-server's content security policy allows scripts of its own origin). `i` is
 * the instance the page came from; without one, the first instance it sees. Only a running instance other than
 * that reloads the window: a stopped workspace leaves the page as it is (a reload would start it again).
 */
export const WATCHER_SCRIPT = `(() => {
  const src = document.currentScript && document.currentScript.src;
  let seen = src ? new URL(src).searchParams.get("i") || null : null;
  let busy = false;
  const look = async () => {
    if (busy) return;
    busy = true;
    try {
      const answer = await fetch(${JSON.stringify(INSTANCE_PATH)}, { cache: "no-store", credentials: "same-origin" });
      if (!answer.ok) return;
      const { instance } = await answer.json();
      if (!instance) return;
      if (seen === null) seen = instance;
      else if (instance !== seen) {
        clearInterval(timer);
        location.reload();
      }
    } catch (error) {
      // the portal or the network is away for a moment: asked again at the next tick
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(look, ${WATCH_INTERVAL_MS});
})();
`;
