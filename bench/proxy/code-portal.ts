import { randomBytes } from "node:crypto";
import { openApp, type PortalProcess } from "../lib/fixtures";
import { CODE_SERVER_COOKIE, AppSecrets } from "../../lib/apps/code-server-secret";
import { CODE_SERVER_PORT } from "../../lib/apps/code-server";
import { LABEL } from "../../lib/workspace/labels";
import { startBenchPortal } from "../lib/portal";
import { withTimeout } from "../lib/time";
import { portalPid } from "./proc-stats";

export interface CodePortal {
  process: PortalProcess;
  url: string;
  /** The portal's AUTH_SECRET (for the in-process sign-in check, which must accept the run's own cookie). */
  secret: string;
  /** A signed-in portal session of the workspace's owner (it only ever goes to the portal's own origin). */
  cookie: string;
  /** VS Code's own origin, e.g. `http://code--bench-x.localhost:4123`, as the browser addresses it. */
  codeOrigin: string;
  /** That origin's host, sent as Host: Node cannot resolve `*.localhost`, so clients connect to loopback. */
  codeHost: string;
  /** The app session cookie (`portal-app=…`) the ticket exchange set on the code host, taken outside any timing. */
  codeCookie: string;
  /** Where load generators connect for the code host: the portal's listener, with a trailing slash. */
  connectUrl: string;
  /** code-server's root straight on the container network, for "direct" and as CHP's target. */
  directUrl: string;
  /** What code-server demands of every request (its password cookie); only the portal presents it otherwise. */
  codeServerCookie: string;
  containerIp: string;
  /** The portal's own node process (the child of this one), whose memory and sockets the soak samples. */
  pid: number;
}

/**
 * The benchmarks' portal (full workspace image; removal registered at once) with one user and VS Code running
 * in that user's workspace, started the way the browser does it (POST /api/workspace/start?app=code, read to
 * the end), then opened the way the browser does it: a ticket from the portal, spent on the code host.
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

  const code = await openApp(url, cookie, "code");
  const codeHost = new URL(code.origin).host;
  // code-server's password is derived from the workspace's name; the code host must name the same workspace.
  if (!codeHost.startsWith(`code--${view.name}.`)) throw new Error(`the code ticket led to ${codeHost}, not workspace ${view.name}`);
  return {
    process,
    url,
    secret: bench.secret,
    cookie,
    codeOrigin: code.origin,
    codeHost,
    codeCookie: code.cookie,
    connectUrl: `http://127.0.0.1:${process.port}/`,
    directUrl: `http://${containerIp}:${CODE_SERVER_PORT}/`,
    // The very value the portal injects on the code host: derived from AUTH_SECRET and the workspace's name.
    codeServerCookie: `${CODE_SERVER_COOKIE}=${new AppSecrets(bench.secret).for(view.name)}`,
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
