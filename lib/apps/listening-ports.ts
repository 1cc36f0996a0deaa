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
  await proc.wait();
  return parseListeningPorts(Buffer.concat(chunks).toString("latin1"));
}
