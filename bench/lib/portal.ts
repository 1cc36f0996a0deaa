import { randomBytes } from "node:crypto";
import { sessionCookie, startPortal, WORKSPACE_IMAGE, type PortalProcess } from "./fixtures";
import { LABEL } from "../../lib/workspace/labels";
import { onCleanup } from "./cleanup";
import { portAccepts } from "./port-open";

export interface BenchPortal {
  process: PortalProcess;
  url: string;
  /** The portal's AUTH_SECRET, from which it derives what it presents to code-server (AppSecrets). */
  secret: string;
  /** A signed-in session for a user of this run (a fresh subject per call, so `cold` really is a new user). */
  cookieFor(user: { sub: string; username: string }): Promise<string>;
  /** The id of a user's workspace container, once the portal has made it. */
  containerOf(username: string): Promise<string>;
  /**
   * Starts the portal again (same port, data and workspaces) if it no longer listens, e.g. killed from outside
   * by a broad process cleanup on a shared machine; returns whether it had to.
   */
  reviveIfGone(): Promise<boolean>;
}

/**
 * The real portal (server/index.ts) as a child process on its own instance label, network and data root, with
 * the full workspace image and the machine's CPUs: the workspace the other stacks are measured against is
 * whatever the portal creates here. Its removal (process, containers, network, data) is registered at once.
 */
export async function startBenchPortal(): Promise<BenchPortal> {
  const secret = randomBytes(32).toString("base64url");
  // The built pages, in a directory of their own: a rebuild for the benchmark never swaps the files under a
  // running test portal. A fixed name, because Next records every dist dir it sees in tsconfig.json.
  const distDir = ".next-bench";
  const portal = await startPortal({
    WORKSPACE_IMAGE,
    WORKSPACE_MEMORY: "4g",
    WORKSPACE_CPUS: "2",
    WORKSPACE_STOP_TIMEOUT_SECONDS: "2",
    AUTH_SECRET: secret,
    // One user holds the measured terminal plus the flood's; the default 10 would refuse the flood.
    TERMINAL_MAX_PER_USER: "50",
    // The benches open terminals and SSH sessions as fast as they can: they measure those, not the rate bound.
    TERMINAL_OPENS_PER_MINUTE: "10000",
    PORTAL_NEXT_DIST_DIR: distDir,
  });
  onCleanup("portal and its workspaces", () => portal.cleanup());
  return {
    process: portal,
    url: portal.url,
    secret,
    cookieFor: (user) => sessionCookie(secret, user),
    containerOf: async (username) => {
      const [container] = await portal.docker.listContainers({
        filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.username}=${username}`] },
      });
      if (!container) throw new Error(`no workspace container for ${username}`);
      return container.Id;
    },
    reviveIfGone: async () => {
      if (await portAccepts(portal.port)) return false;
      await portal.restart();
      return true;
    },
  };
}
