import { finished } from "node:stream/promises";
import type { PortalUser } from "../identity/user";
import type { WorkspaceManager } from "../workspace/manager";

export interface ListeningPort {
  port: number;
  /** Bound to all addresses, so the portal can reach it; a server on 127.0.0.1 only is not reachable. */
  reachable: boolean;
}

const LISTEN = "0A";
const ANY = new Set(["00000000", "00000000000000000000000000000000"]);

/** Reads /proc/net/tcp{,6} text: the TCP sockets in LISTEN state, by port. */
export function parseListeningPorts(procNetTcp: string): ListeningPort[] {
  const ports = new Map<number, boolean>();
  for (const line of procNetTcp.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== LISTEN) continue;
    const [address, portHex] = (fields[1] ?? "").split(":");
    const port = Number.parseInt(portHex ?? "", 16);
    if (!Number.isInteger(port) || port <= 0) continue;
    ports.set(port, (ports.get(port) ?? false) || ANY.has(address ?? ""));
  }
  return [...ports].map(([port, reachable]) => ({ port, reachable })).sort((a, b) => a.port - b.port);
}

/** The ports something listens on inside the user's running workspace. */
export async function listeningPorts(workspaces: WorkspaceManager, user: PortalUser): Promise<ListeningPort[]> {
  const proc = await workspaces.exec(user, { cmd: ["cat", "/proc/net/tcp", "/proc/net/tcp6"], tty: false });
  const chunks: Buffer[] = [];
  proc.stdout.on("data", (c: Buffer) => chunks.push(c));
  proc.stderr.resume();
  // The exit can be reported before the last output is read: wait for both.
  await Promise.all([proc.wait(), finished(proc.stdout).catch(() => undefined)]);
  return parseListeningPorts(Buffer.concat(chunks).toString("latin1"));
}

const FRESH_MS = 2000;

/**
 * Port lists per user, reused for two seconds and shared by requests that arrive together: each list is an exec in
 * the workspace, and a page polling (or a script hammering) the list must not turn into a Docker call per request.
 */
export class ListeningPortsCache {
  private readonly recent = new Map<string, { at: number; ports: Promise<ListeningPort[]> }>();

  constructor(
    private readonly workspaces: WorkspaceManager,
    private readonly now: () => number = Date.now,
  ) {}

  get(user: PortalUser): Promise<ListeningPort[]> {
    const now = this.now();
    const hit = this.recent.get(user.sub);
    if (hit && now - hit.at < FRESH_MS) return hit.ports;
    for (const [sub, entry] of this.recent) if (now - entry.at >= FRESH_MS) this.recent.delete(sub);
    const ports = listeningPorts(this.workspaces, user);
    this.recent.set(user.sub, { at: now, ports });
    // A failure is not remembered: the next request asks again.
    ports.catch(() => this.recent.get(user.sub)?.ports === ports && this.recent.delete(user.sub));
    return ports;
  }
}
