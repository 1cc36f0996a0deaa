import type { PortalUser } from "../identity/user";
import type { WorkspaceManager } from "../workspace/manager";
import { run } from "../workspace/run";
import { CODE_SERVER_PORT } from "./code-server";
import { NOTEBOOK_PORT } from "./notebook";
import { RELAY_MARK } from "./port-relay";

export interface ListeningPort {
  port: number;
  /** Bound to all addresses, so the portal can reach it; a server on 127.0.0.1 only is not reachable. */
  reachable: boolean;
  /** The listening process's command line, as `ps` would show it (shortened). */
  command?: string;
  /** The portal's own apps (VS Code, Jupyter) and their helpers: not the user's servers to open from the list. */
  internal?: boolean;
  /** Listening on 127.0.0.1 only, and reachable through the portal's relay in the workspace. */
  relayed?: boolean;
}

const LISTEN = "0A";
const ANY = new Set(["00000000", "00000000000000000000000000000000"]);
const SECTION = "--scitex-ports--";
// One exec: the listening sockets, which process holds which socket, and each process's command line.
const SCRIPT = [
  "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null",
  `echo ${SECTION}`,
  "find /proc/[0-9]*/fd -lname 'socket:*' -printf '%h %l\\n' 2>/dev/null",
  `echo ${SECTION}`,
  "for d in /proc/[0-9]*; do printf '%s ' \"${d#/proc/}\"; tr '\\0' ' ' < \"$d/cmdline\" 2>/dev/null | head -c 300; echo; done",
].join("; ");

/** Reads /proc/net/tcp{,6} text: the TCP sockets in LISTEN state, by port, with their socket inodes. */
export function parseListeningPorts(procNetTcp: string): ListeningPort[] {
  return [...listening(procNetTcp).values()].map(({ port, reachable }) => ({ port, reachable }));
}

function listening(procNetTcp: string): Map<number, { port: number; reachable: boolean; inodes: string[] }> {
  const ports = new Map<number, { port: number; reachable: boolean; inodes: string[] }>();
  for (const line of procNetTcp.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== LISTEN) continue;
    const [address, portHex] = (fields[1] ?? "").split(":");
    const port = Number.parseInt(portHex ?? "", 16);
    if (!Number.isInteger(port) || port <= 0) continue;
    const entry = ports.get(port) ?? { port, reachable: false, inodes: [] };
    entry.reachable ||= ANY.has(address ?? "");
    if (fields[9]) entry.inodes.push(fields[9]);
    ports.set(port, entry);
  }
  return new Map([...ports].sort(([a], [b]) => a - b));
}

/** The listing script's output: each port with the command of the process that listens on it. */
export function parsePortListing(output: string): ListeningPort[] {
  const [tcp = "", sockets = "", commands = ""] = output.split(`${SECTION}\n`);
  const pidOfInode = new Map<string, string>();
  for (const line of sockets.split("\n")) {
    const match = /^\/proc\/(\d+)\/fd socket:\[(\d+)\]$/.exec(line.trim());
    if (match) pidOfInode.set(match[2]!, match[1]!);
  }
  const commandOf = new Map<string, string>();
  for (const line of commands.split("\n")) {
    const at = line.indexOf(" ");
    if (at > 0) commandOf.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return [...listening(tcp).values()].map(({ port, reachable, inodes }) => {
    const commands = inodes.map((inode) => commandOf.get(pidOfInode.get(inode) ?? "")).filter((c): c is string => c !== undefined);
    // The server itself, not the portal's relay beside it.
    const command = commands.find((c) => !c.includes(RELAY_MARK)) ?? commands[0];
    const relayed = commands.some((c) => c.includes(RELAY_MARK));
    return {
      port,
      reachable: reachable || relayed,
      ...(command && !command.includes(RELAY_MARK) ? { command: command.slice(0, 200) } : {}),
      ...(relayed ? { relayed: true } : {}),
      ...(isInternal(port, command) ? { internal: true } : {}),
    };
  });
}

/** VS Code and its helpers (language servers, the extension host's ports), and the portal's Jupyter. */
function isInternal(port: number, command: string | undefined): boolean {
  if (command?.includes("/opt/code-server/")) return true;
  return port === CODE_SERVER_PORT || (port === NOTEBOOK_PORT && /jupyter-notebook/.test(command ?? ""));
}

/** The ports something listens on inside the user's running workspace. */
export async function listeningPorts(workspaces: WorkspaceManager, user: PortalUser): Promise<ListeningPort[]> {
  return parsePortListing((await run(workspaces, user, ["sh", "-c", SCRIPT])).stdout);
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

  /**
   * Forgets every list: a workspace changed (stopped, made anew), so a list read from its old instance no longer
   * says what listens. Lists live two seconds and changes are rare: all go, rather than keeping a slug per user.
   */
  clear(): void {
    this.recent.clear();
  }
}
