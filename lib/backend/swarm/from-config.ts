import fs from "node:fs";
import path from "node:path";
import type { PortalConfig, SwarmConfig } from "../../config/env";
import { DockerRuntime } from "../../runtime/docker/docker-runtime";
import { SwarmBackend } from "./swarm-backend";

/** The Swarm backend the configuration describes: its manager over mutual TLS, the same certificate for every node. */
export function swarmBackend(config: PortalConfig, swarm: SwarmConfig): SwarmBackend {
  const read = (file: string) => fs.readFileSync(path.join(swarm.certPath, file));
  const tls = { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
  const manager = new DockerRuntime({ ...swarm.manager, ...tls, timeoutMs: 10_000 });
  return new SwarmBackend(manager, {
    instance: config.instance,
    namePrefix: config.workspace.namePrefix,
    network: swarm.network,
    homesPath: swarm.homesPath,
    constraints: swarm.constraints,
    reserveFraction: swarm.reserveFraction,
    stopTimeoutSeconds: config.workspace.stopTimeoutSeconds,
    nodePort: swarm.nodePort,
    tls,
    capacityWaitMs: config.workspace.queueTimeoutMs,
    startTimeoutMs: config.workspace.startTimeoutMs,
    nodesNoNewPrivileges: swarm.nodesNoNewPrivileges,
  });
}
