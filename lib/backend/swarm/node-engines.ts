import type Docker from "dockerode";
import { WorkspaceError } from "../../errors/workspace-errors";
import { DockerRuntime } from "../../runtime/docker/docker-runtime";
import type { ContainerRuntime } from "../../runtime/runtime";

/** The PEM texts of the portal's client certificate, its key and the cluster's CA. */
export interface ClusterTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface SwarmNode {
  id: string;
  /** Its hostname: how messages and the admin page name it, and how a running workspace says where it is. */
  name: string;
  address: string;
  role: string;
  /** It answers the manager's heartbeats. */
  ready: boolean;
  /** It may run tasks (not drained or paused). */
  active: boolean;
}

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Role?: string; Availability?: string };
  Status?: { State?: string; Addr?: string };
}

// A node that does not answer within this is taken for lost: a caller gets an error instead of waiting for TCP.
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The swarm's nodes as the manager lists them, and one engine client per node (mutual TLS, kept alive), made on
 * first use and kept: exec, usage, logs and a container's address come from the engine of the node it runs on,
 * since the manager runs nothing itself and knows no container's address.
 */
export class NodeEngines {
  private nodes = new Map<string, SwarmNode>();
  private listedAt = 0;
  private listing: Promise<SwarmNode[]> | null = null;
  private readonly engines = new Map<string, ContainerRuntime>();

  constructor(
    private readonly manager: Docker,
    private readonly tls: ClusterTls,
    private readonly port: number,
  ) {}

  /** Every node, asked of the manager now. */
  async refresh(): Promise<SwarmNode[]> {
    this.listing ??= this.list().finally(() => (this.listing = null));
    return this.listing;
  }

  /** Every node by id, as the manager listed them at most `maxAgeMs` ago: whether each is ready is asked often. */
  async current(maxAgeMs = 1000): Promise<ReadonlyMap<string, SwarmNode>> {
    if (Date.now() - this.listedAt > maxAgeMs) await this.refresh();
    return this.nodes;
  }

  private async list(): Promise<SwarmNode[]> {
    const listed = (await this.manager.listNodes()) as NodeInfo[];
    this.nodes = new Map(
      listed.map((n) => {
        const node: SwarmNode = {
          id: n.ID,
          name: n.Description?.Hostname ?? n.ID,
          address: n.Status?.Addr ?? "",
          role: n.Spec?.Role ?? "worker",
          ready: n.Status?.State === "ready",
          active: (n.Spec?.Availability ?? "active") === "active",
        };
        return [n.ID, node];
      }),
    );
    this.listedAt = Date.now();
    return [...this.nodes.values()];
  }

  /** The node of that id; the manager is asked again when it is new here. */
  async byId(id: string): Promise<SwarmNode | null> {
    return this.nodes.get(id) ?? (await this.refresh()).find((n) => n.id === id) ?? null;
  }

  /** The engine of the node named `name` (a hostname, as placements give it). */
  async engine(name: string): Promise<ContainerRuntime> {
    const known = this.engines.get(name);
    if (known) return known;
    const find = () => [...this.nodes.values()].find((n) => n.name === name);
    const node = find() ?? ((await this.refresh()) && find());
    if (!node?.address) throw new WorkspaceError("runtime_error", `The swarm has no node named ${name} (it may have left the swarm).`);
    const engine = new DockerRuntime({ host: node.address, port: this.port, ...this.tls, timeoutMs: CONNECT_TIMEOUT_MS });
    this.engines.set(name, engine);
    return engine;
  }
}
