import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type Docker from "dockerode";
import type { PortalUser } from "../../lib/identity/user";
import { homePath } from "../../lib/workspace/home";
import { run } from "../../lib/workspace/run";
import { nodeEngine, nodeNamed, type ClusterInfo } from "../lib/fixtures";
import { progress } from "../lib/progress";
import { sleep, withTimeout } from "../lib/time";
import { startUsers } from "./list-latency";
import type { LossRound, LostWorkspace } from "./results";
import type { Stack } from "./stacks";
import { clusterScript } from "./test-cluster";

const FILE = "before-kill";
const POLL_MS = 250;
// 1 MiB of random bytes per workspace, written and fsynced before the kill, its digest printed.
const WRITE = `dd if=/dev/urandom of="$HOME/${FILE}" bs=65536 count=16 conv=fsync 2>/dev/null && sync && sha256sum "$HOME/${FILE}"`;
const WRITTEN_BYTES = 65536 * 16;

interface Watched {
  user: PortalUser;
  slug: string;
  service: string;
  digest: string;
  result: LostWorkspace;
}

/**
 * A worker dies with workspaces on it (cluster.sh kill-node: every process of its cgroup killed, its link down):
 * `count` workspaces are started, each writes and fsyncs a file, and the worker holding most of them is killed.
 * Then, every 250 ms: when the manager lists it down; for each of its workspaces, when the manager has it running on
 * another worker, and when a command runs in it through the portal's workspace service (the lease probe passed).
 * Back, its file is read again in it; not back within `waitSeconds`, the file is read on this host's mount of the
 * homes instead, and it is reported as not back. The killed worker is brought back (cluster.sh up) afterwards.
 */
export async function measureNodeLoss(stack: Stack, info: ClusterInfo, heartbeat: string, count: number, waitSeconds: number): Promise<LossRound> {
  const started = await startUsers(stack, count);
  try {
    const manager = nodeEngine(info, nodeNamed(info, info.manager));
    const watched: Watched[] = [];
    for (const user of started.users) {
      const written = await run(stack.manager, user, ["sh", "-c", WRITE]);
      if (written.code !== 0) throw new Error(`writing ${FILE} in ${user.username}'s workspace failed: ${written.stderr}`);
      const status = await stack.manager.status(user);
      watched.push({
        user,
        slug: status.slug,
        service: status.containerName,
        digest: written.stdout.split(/\s/)[0]!,
        result: { slug: status.slug, node: status.node, bytesWritten: WRITTEN_BYTES },
      });
    }
    const perNode = new Map<string, number>();
    for (const w of watched) perNode.set(w.result.node ?? "?", (perNode.get(w.result.node ?? "?") ?? 0) + 1);
    const victimName = [...perNode.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const victim = nodeNamed(info, victimName);
    const victimId = await nodeIdOf(manager, victim.name);
    const lost = watched.filter((w) => w.result.node === victim.name);
    for (const w of lost) delete w.result.node;

    progress(`node loss at heartbeat ${heartbeat}: killing ${victim.name} with ${lost.length} of ${watched.length} workspaces on it`);
    const killing = performance.now();
    await clusterScript("kill-node", String(victim.index));
    const killed = performance.now();
    const round: LossRound = {
      heartbeat,
      victim: victim.name,
      killSeconds: (killed - killing) / 1000,
      waitSeconds,
      workspaces: lost.map((w) => w.result),
      elsewhere: watched.length - lost.length,
    };
    const since = () => (performance.now() - killed) / 1000;
    const deadline = killed + waitSeconds * 1000;
    while (performance.now() < deadline && (round.downAt === undefined || lost.some((w) => w.result.readyAt === undefined))) {
      const begun = performance.now();
      await Promise.all([
        round.downAt === undefined
          ? nodeState(manager, victimId).then((state) => void (state === "down" && (round.downAt = since())), () => undefined)
          : undefined,
        ...lost.filter((w) => w.result.readyAt === undefined).map((w) => follow(stack, manager, w, victimId, since)),
      ]);
      await sleep(Math.max(0, POLL_MS - (performance.now() - begun)));
    }
    for (const w of lost) {
      w.result.stateAfter = await describe(stack, w.user);
      await verify(stack, w).catch((error: unknown) => progress(`node loss: ${w.user.username}'s file could not be read back: ${(error as Error).message}`));
      const back = w.result.readyAt === undefined ? `not back within ${waitSeconds} s` : `ready on ${w.result.node} at ${w.result.readyAt.toFixed(1)} s`;
      progress(`node loss ${heartbeat}: ${w.user.username}: ${back}, the portal says ${w.result.stateAfter}; ${w.result.bytesLost ?? "?"} bytes lost (read in the ${w.result.checkedIn ?? "?"})`);
    }
    progress(`node loss ${heartbeat}: bringing ${victim.name} back (cluster.sh up)`);
    const reviving = performance.now();
    await clusterScript("up");
    round.reviveSeconds = (performance.now() - reviving) / 1000;
    return round;
  } finally {
    await started.cleanup();
  }
}

/** One look at one lost workspace: running elsewhere per the manager, then ready through the workspace service. */
async function follow(stack: Stack, manager: Docker, w: Watched, victimId: string, since: () => number): Promise<void> {
  if (w.result.runningAt === undefined) {
    const tasks = (await manager.listTasks({ filters: { service: [w.service] } }).catch(() => [])) as Array<{ NodeID?: string; Status?: { State?: string } }>;
    const elsewhere = tasks.find((t) => t.Status?.State === "running" && t.NodeID && t.NodeID !== victimId);
    if (!elsewhere) return;
    w.result.runningAt = since();
    w.result.node = (await nodeNameOf(manager, elsewhere.NodeID!).catch(() => undefined)) ?? elsewhere.NodeID;
  }
  const ok = await withTimeout(run(stack.manager, w.user, ["true"]), 5000, "a command in the moved workspace").then(
    (r) => r.code === 0,
    () => false,
  );
  if (ok) w.result.readyAt = since();
}

/** The file written before the kill, read again: in the workspace where it is back, else on this host's mount. */
async function verify(stack: Stack, w: Watched): Promise<void> {
  if (w.result.readyAt !== undefined) {
    const read = await run(stack.manager, w.user, ["sh", "-c", `sha256sum "$HOME/${FILE}" 2>/dev/null`]);
    w.result.checkedIn = "workspace";
    w.result.bytesLost = read.stdout.split(/\s/)[0] === w.digest ? 0 : w.result.bytesWritten;
    return;
  }
  const file = path.join(homePath(stack.dataRoot, w.slug), FILE);
  w.result.checkedIn = "storage";
  const digest = await withTimeout(
    fs.promises.readFile(file).then((data) => createHash("sha256").update(data).digest("hex")),
    30_000,
    `reading ${file}`,
  ).catch(() => "");
  w.result.bytesLost = digest === w.digest ? 0 : w.result.bytesWritten;
}

/** The workspace's state and machine as the portal's service reports them (a dead node's inspect may take its timeout). */
async function describe(stack: Stack, user: PortalUser): Promise<string> {
  try {
    const status = await withTimeout(stack.manager.status(user), 20_000, "the workspace's state");
    return [status.state, status.node ? `on ${status.node}` : ""].filter(Boolean).join(" ");
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

async function nodeIdOf(manager: Docker, hostname: string): Promise<string> {
  const nodes = (await manager.listNodes()) as Array<{ ID: string; Description?: { Hostname?: string } }>;
  const node = nodes.find((n) => n.Description?.Hostname === hostname);
  if (!node) throw new Error(`the manager lists no node ${hostname}`);
  return node.ID;
}

async function nodeNameOf(manager: Docker, id: string): Promise<string | undefined> {
  const node = (await manager.getNode(id).inspect()) as { Description?: { Hostname?: string } };
  return node.Description?.Hostname;
}

async function nodeState(manager: Docker, id: string): Promise<string | undefined> {
  const node = (await manager.getNode(id).inspect()) as { Status?: { State?: string } };
  return node.Status?.State;
}
