import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { LABEL } from "../../lib/backend/labels";
import { leaseProbe } from "../../lib/workspace/lease";

/** One workspace's copies on one node's engine, as that engine sees them now. */
export interface CopiesSeen {
  /** Containers of the workspace that run. */
  running: string[];
  /** Those whose first process holds the workspace's lease (lib/workspace/lease.ts's probe): ready ones. */
  ready: string[];
}

/**
 * Asks a node's engine directly (never the manager) which copies of a workspace run there, and runs the lease probe
 * in each, as the workspace's user: a copy is ready when it holds the lease. A copy that ends while asked is not ready.
 */
export async function copiesOn(engine: Docker, instance: string, slug: string): Promise<CopiesSeen> {
  const listed = await engine.listContainers({ filters: { label: [`${LABEL.instance}=${instance}`, `${LABEL.slug}=${slug}`], status: ["running"] } });
  const held = await Promise.all(listed.map((c) => holdsLease(engine, c.Id, c.Labels[LABEL.lease] ?? "")));
  return { running: listed.map((c) => c.Id), ready: listed.filter((_, i) => held[i]).map((c) => c.Id) };
}

async function holdsLease(engine: Docker, id: string, lease: string): Promise<boolean> {
  if (!lease) return false;
  try {
    const exec = await engine.getContainer(id).exec({ Cmd: leaseProbe(lease), AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const sink = new PassThrough();
    sink.resume();
    engine.modem.demuxStream(stream, sink, sink);
    await new Promise((resolve) => {
      stream.on("end", resolve);
      stream.on("error", resolve);
    });
    return (await exec.inspect()).ExitCode === 0;
  } catch {
    return false;
  }
}
