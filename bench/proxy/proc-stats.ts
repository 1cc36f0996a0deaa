import { execFileSync } from "node:child_process";
import fs from "node:fs";

export interface ProcSample {
  /** Seconds since the soak started. */
  at: number;
  rssMb: number;
  /** File descriptors of the process that are sockets (clients, upstreams, Docker, listeners). */
  sockets: number;
  /** Of those, TCP connections ESTABLISHED to the workspace container: the proxy's upstream pool. */
  upstream: number;
  /** TCP sockets the peer has closed but the portal has not: the usual shape of a socket leak. */
  closeWait: number;
}

/**
 * The portal's node process: startPortal spawns `node --import tsx server/index.ts` directly, so it is our child
 * whose environment has its PORT. Matching parent, command and port keeps other portals (other benchmarks, the
 * e2e tests) and Next's own workers out of the figures.
 */
export function portalPid(port: number): number {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the command name in parentheses, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("server/index.ts")) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`PORT=${port}`)) return Number(entry);
    } catch {
      // The process ended while we looked; it was not the portal.
    }
  }
  throw new Error(`no child process serving the portal on port ${port}`);
}

export function sampleProcess(pid: number, upstreamIp: string, at: number): ProcSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  const tcp = ownTcp(pid, inodes);
  const upstream = procIpv4(upstreamIp);
  return {
    at,
    rssMb: rssKb / 1024,
    sockets: inodes.size,
    upstream: tcp.filter((t) => t.state === ESTABLISHED && t.remote.startsWith(`${upstream}:`)).length,
    closeWait: tcp.filter((t) => t.state === CLOSE_WAIT).length,
  };
}

const ESTABLISHED = "01";
const CLOSE_WAIT = "08";

/** The process's own rows of /proc/<pid>/net/tcp{,6} (the table is the whole namespace's; inodes pick ours). */
function ownTcp(pid: number, inodes: Set<string>): { remote: string; state: string }[] {
  const rows: { remote: string; state: string }[] = [];
  for (const file of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${file}`, "utf8");
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 10 && inodes.has(cols[9]!)) rows.push({ remote: cols[2]!, state: cols[3]! });
    }
  }
  return rows;
}

/** /proc/net/tcp writes an IPv4 address as the hex of its 32 bits in host (little-endian) order. */
function procIpv4(ip: string): string {
  return ip
    .split(".")
    .reverse()
    .map((octet) => Number(octet).toString(16).padStart(2, "0").toUpperCase())
    .join("");
}

let ticksPerSecond: number | undefined;

/**
 * CPU seconds (user + system) the process has used so far. Per request, it is the one figure a busy machine
 * hardly disturbs: other work slows a proxy down, but does not make it do more work per request.
 */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // utime and stime are fields 14 and 15; fields 3.. follow the parenthesised command name.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
