import pino from "pino";
import { EgressFirewall } from "../../lib/network/egress-firewall";
import type Docker from "dockerode";
import { LABEL } from "../../lib/workspace/labels";

/** Removes every container and the network a test's portal instance made, and nothing else. */
export async function removeInstance(docker: Docker, instance: string, namePrefix: string, network: string): Promise<void> {
  const labelled = await docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${instance}`] } });
  const named = await docker.listContainers({ all: true, filters: { name: [namePrefix] } });
  for (const c of [...labelled, ...named]) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  await docker.getNetwork(network).remove().catch(() => {});
  // A test portal installed egress rules for its bridge; with the bridge gone they are stale.
  if (process.getuid?.() === 0) await new EgressFirewall({ kind: "internet" }, pino({ level: "silent" })).pruneStale().catch(() => {});
}
