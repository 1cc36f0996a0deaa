import type { WorkspaceBackend } from "../../lib/backend/backend";
import { Shells } from "../../lib/terminal/shells";
import type { WorkspaceManager } from "../../lib/workspace/manager";
import { StartGate } from "../../lib/workspace/start-gate";
import { swarmFixture, TEST_IMAGE, workspaceFixture, type ClusterInfo } from "../lib/fixtures";
import { onCleanup } from "../lib/cleanup";

export type StackKind = "host" | "swarm";
export const STACKS: StackKind[] = ["host", "swarm"];
export const STACK_LABEL: Record<StackKind, string> = { host: "single host", swarm: "cluster (Swarm)" };

/** One portal's workspace service on one backend, as the portal builds it: the manager, its backend, its shells. */
export interface Stack {
  kind: StackKind;
  manager: WorkspaceManager;
  backend: WorkspaceBackend;
  shells: Shells;
  dataRoot: string;
}

/**
 * The same workspace on both backends, so the figures differ only by where it runs: the test image (on the cluster
 * from its registry, pinned by digest), 1 CPU and 512 MiB each, no LXCFS. On the cluster each workspace reserves
 * 5% of that, so the 20 users fit on one worker when the other is lost.
 */
const WORKSPACE_ENV = {
  WORKSPACE_MEMORY: "512m",
  WORKSPACE_CPUS: "1",
  WORKSPACE_STOP_TIMEOUT_SECONDS: "2",
  WORKSPACE_LXCFS: "no",
};

/**
 * A fresh portal instance (its own labels, names and data) on `kind`, removed with all it made at the end. With
 * `cap`, starts go through the portal's start queue with that many slots, as MAX_RUNNING_WORKSPACES does.
 */
export function makeStack(kind: StackKind, info: ClusterInfo | null, options: { cap?: number } = {}): Stack {
  let manager: WorkspaceManager | undefined;
  const gate =
    options.cap === undefined
      ? undefined
      : new StartGate(options.cap, 120_000, async () =>
          (await manager!.list()).filter((w) => w.state === "running" || w.state === "starting").map((w) => w.sub),
        );
  const deps = gate ? { gate } : {};
  if (kind === "swarm") {
    if (!info) throw new Error("the cluster backend needs the test cluster");
    const fx = swarmFixture(info, { ...WORKSPACE_ENV, SWARM_RESERVE: "0.05" }, deps);
    onCleanup(`cluster workspaces of ${fx.settings.instance}`, () => fx.cleanup());
    manager = fx.manager;
    return { kind, manager, backend: fx.backend, shells: new Shells(fx.manager), dataRoot: fx.dataRoot };
  }
  const fx = workspaceFixture({ ...WORKSPACE_ENV, WORKSPACE_IMAGE: TEST_IMAGE }, deps);
  onCleanup(`host workspaces of ${fx.settings.instance}`, () => fx.cleanup());
  manager = fx.manager;
  return { kind, manager, backend: fx.backend, shells: new Shells(fx.manager), dataRoot: fx.dataRoot };
}
