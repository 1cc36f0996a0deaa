import { randomBytes } from "node:crypto";
import type { PortalProcess } from "../../tests/support/portal-process";
import { CODE_SERVER_PORT } from "../../lib/apps/code-server";
import { LABEL } from "../../lib/workspace/labels";
import { startBenchPortal } from "../lib/portal";
import { withTimeout } from "../lib/time";
import { portalPid } from "./proc-stats";

export interface CodePortal {
  process: PortalProcess;
  url: string;
  /** A signed-in session of the workspace's owner. */
  cookie: string;
  /** code-server's root through the portal, with a trailing slash: `${url}/workspace/<name>/code/`. */
  codeUrl: string;
  /**
   * code-server's root through the portal's port route: the same upstream, but every request goes into the
   * workspace (the portal serves VS Code's static files itself only under the code route).
   */
  proxiedUrl: string;
  /** code-server's root straight on the container network, for "direct" and as CHP's target. */
  directUrl: string;
  containerIp: string;
  /** The portal's own node process (the child of this one), whose memory and sockets the soak samples. */
  pid: number;
}

/**
 * The benchmarks' portal (full workspace image; removal registered at once) with one user and VS Code running
 * in that user's workspace, started the way the browser does it (POST /api/workspace/start?app=code, read to
 * the end).
 */
export async function startCodePortal(): Promise<CodePortal> {
  const bench = await startBenchPortal();
  const { process, url } = bench;
  const cookie = await bench.cookieFor({ sub: `bench-proxy-${randomBytes(3).toString("hex")}`, username: "bench" });

  const started = await fetch(`${url}/api/workspace/start?app=code`, { method: "POST", headers: { cookie, origin: url } });
  if (!started.ok || !started.body) throw new Error(`workspace start answered ${started.status}`);
  const last = await withTimeout(lastLine(started), 240_000, "workspace and VS Code start");
  const outcome = JSON.parse(last) as { status?: unknown; error?: { message?: string } };
  if (!outcome.status) throw new Error(`workspace start failed: ${outcome.error?.message ?? last}`);

  const view = (await (await fetch(`${url}/api/workspace`, { headers: { cookie } })).json()) as { name: string };
  const [container] = await process.docker.listContainers({ filters: { label: [`${LABEL.instance}=${process.instance}`] } });
  if (!container) throw new Error("the portal reported a running workspace, but no container carries its label");
  const networks = Object.values(container.NetworkSettings?.Networks ?? {});
  const containerIp = networks.map((n) => n.IPAddress).find(Boolean);
  if (!containerIp) throw new Error(`workspace container ${container.Id.slice(0, 12)} has no IP address`);

  return {
    process,
    url,
    cookie,
    codeUrl: `${url}/workspace/${view.name}/code/`,
    proxiedUrl: `${url}/workspace/${view.name}/ports/${CODE_SERVER_PORT}/`,
    directUrl: `http://${containerIp}:8080/`,
    containerIp,
    pid: portalPid(process.port),
  };
}

/** The NDJSON stream read to its end; its last line is the outcome (`{"status":…}` or `{"error":…}`). */
async function lastLine(response: Response): Promise<string> {
  const text = await response.text();
  const lines = text.split("\n").filter((line) => line.trim());
  if (!lines.length) throw new Error("workspace start sent nothing");
  return lines[lines.length - 1]!;
}
