import type { ContainerProcess } from "../runtime/runtime";
import { RELAY_MARK } from "../apps/port-relay";
import { KEEPALIVE_CMD, WORKSPACE_CMD } from "../workspace/spec";

/**
 * The user's own processes among a workspace's: everything but the container's init (docker-init), the keep-alive
 * loop (the portal's, which holds the lease, or the bare one of workspaces made before it), its sleep and its wait
 * for the lease, and the portal's port relays. Told to the user when the idle stop ends them. From the host every exec'd process has a
 * parent outside the container, so the system ones are known by what they run, not by where they hang.
 */
export function userProcesses(processes: ContainerProcess[]): ContainerProcess[] {
  const keepalives = new Set([WORKSPACE_CMD.join(" "), KEEPALIVE_CMD.join(" ")]);
  const loops = new Set(processes.filter((p) => keepalives.has(p.command)).map((p) => p.pid));
  const system = (p: ContainerProcess) =>
    /^(\/sbin\/|\/usr\/bin\/)?docker-init( |$)/.test(p.command) ||
    loops.has(p.pid) ||
    (loops.has(p.ppid) && /^(sleep \d+|flock 8)$/.test(p.command)) ||
    p.command.includes(RELAY_MARK);
  return processes.filter((p) => !system(p));
}
