import type { IncomingMessage, ServerResponse } from "node:http";
import sirv from "sirv";
import type { CodeStaticFiles, StaticTree } from "../../lib/apps/code-static";

const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Answers requests for VS Code's versioned static files from the copy taken out of the workspace image, the way
 * code-server would (same paths, a year's caching, gzip when accepted), without a trip into the workspace.
 */
export class CodeStaticServer {
  private served: { tree: StaticTree; prefix: string; handler: ReturnType<typeof sirv> } | null = null;

  constructor(private readonly files: Pick<CodeStaticFiles, "current">) {}

  /**
   * Serves `upstreamPath` (code-server's own path, e.g. `/stable-<commit>/static/out/x.js`) when it is one of the
   * copied files; otherwise returns false and leaves the response untouched for the proxy.
   */
  serve(req: IncomingMessage, res: ServerResponse, upstreamPath: string): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const served = this.handlerFor(this.files.current);
    if (!served || !upstreamPath.startsWith(served.prefix)) return false;
    // sirv reads the path from req.url; the proxy is given its path explicitly, so a miss loses nothing.
    req.url = upstreamPath.slice(served.prefix.length - 1);
    // Without `dev`, sirv looks files up in its in-memory index and calls `next` at once when one is missing.
    let found = true;
    served.handler(req, res, () => {
      found = false;
    });
    return found;
  }

  private handlerFor(tree: StaticTree | null) {
    if (!tree) return null;
    if (this.served?.tree !== tree) {
      const handler = sirv(tree.root, {
        dev: false, // the tree never changes: index it once, no file-system lookups per request
        etag: true,
        gzip: true,
        maxAge: YEAR_SECONDS,
        immutable: true,
        extensions: [],
        setHeaders: (res) => res.setHeader("X-Served-From", "workspace-image"),
      });
      this.served = { tree, prefix: `/${tree.version}/static/`, handler };
    }
    return this.served;
  }
}
