import type { Asset } from "./assets";
import type { AuthCost } from "./auth-cost";
import type { LoadResult } from "./load";
import type { SoakResult } from "./soak";

/**
 * `portal` is what a browser gets on VS Code's host (its static files from the workspace image, so no trip into
 * the workspace); `proxied` is the same file through the portal's proxy into the workspace (stack-targets.ts).
 */
export type Stack = "portal" | "proxied" | "chp" | "direct";
export const STACKS: Stack[] = ["portal", "proxied", "chp", "direct"];
export const STACK_LABEL: Record<Stack, string> = { portal: "portal", proxied: "portal proxy", chp: "CHP", direct: "direct" };

/** Where one stack reaches code-server's root (trailing slash) and what every request to it carries. */
export interface StackTarget {
  /** An address to connect to (never a `*.localhost` name, which Node cannot resolve): the Host header names the site. */
  base: string;
  /** Host (for the app host), and the stack's credential: the app cookie, or code-server's password cookie. */
  headers: Record<string, string>;
  /** How this stack spells an asset's path; the asset's own path when absent. */
  pathOf?: (asset: Asset) => string;
  /** The proxy's process, whose CPU time per request is measured; none for direct. */
  pid?: number;
}

export interface Cell {
  stack: Stack;
  asset: Asset;
  connections: number;
  /** Which pass over the matrix (1-based); every stack of an asset/connections pair is measured in each. */
  round: number;
  result: LoadResult;
  /** Microseconds of the proxy process's CPU (user + system) per successful response, and per megabyte read. */
  cpuPerRequest?: number;
  cpuPerMb?: number;
}

/** Everything the proxy suite measured; a missing cell or soak is a figure that could not be taken (`errors`). */
export interface ProxyResults {
  assets?: { small: Asset; large: Asset };
  cellSeconds: number;
  /** The machine's 1-minute load average before and after the cells: other work on the box shows here. */
  load?: { before: number; after: number; cores: number };
  cells: Cell[];
  soak?: SoakResult;
  /** The per-request sign-in check of the app host against the one the old path proxy made, in-process. */
  authCost?: AuthCost;
  errors: string[];
}
