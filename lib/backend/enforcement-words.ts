import type { Enforcement, WorkspaceBackend } from "./backend";

/** One limit a backend holds workspaces to, or cannot, as the admin page shows it. */
export interface EnforcementLine {
  key: keyof Enforcement;
  label: string;
  enforced: boolean;
  /** What it means for workspaces, and, when not enforced, why and what the operator can do. */
  detail: string;
}

const ENFORCED: Record<keyof Enforcement, { label: string; detail: string }> = {
  pidsLimit: { label: "Process limit", detail: "enforced: a workspace cannot start more processes than its limit" },
  swapLimit: { label: "Swap limit", detail: "enforced: a workspace cannot swap beyond its memory limit" },
  noNewPrivileges: { label: "No new privileges", detail: "enforced: setuid programs and file capabilities gain nothing" },
};

// Why each backend cannot hold a limit, in the operator's terms: what the engine lacks, and what to do instead.
const NOT_ENFORCED: Record<WorkspaceBackend["kind"], Record<keyof Enforcement, string>> = {
  swarm: {
    pidsLimit: "not enforced by this backend (Docker Swarm cannot set one): a workspace may start processes until its node runs out",
    swapLimit: "not enforced by this backend (Docker Swarm cannot set one): run the nodes without swap, or a workspace may swap as much again as its memory limit",
    noNewPrivileges:
      "not enforced by this backend (Docker Swarm cannot set it per workspace): start every node's dockerd with --no-new-privileges, then set SWARM_NODES_NO_NEW_PRIVILEGES=true",
  },
  docker: {
    pidsLimit: "not enforced by this backend",
    swapLimit: "not enforced by this backend",
    noNewPrivileges: "not enforced by this backend",
  },
};

/** What the backend holds every workspace to beyond memory and CPU, one line per limit, in a fixed order. */
export function enforcementLines(kind: WorkspaceBackend["kind"], enforces: Enforcement): EnforcementLine[] {
  return (Object.keys(ENFORCED) as (keyof Enforcement)[]).map((key) => ({
    key,
    label: ENFORCED[key].label,
    enforced: enforces[key],
    detail: enforces[key] ? ENFORCED[key].detail : NOT_ENFORCED[kind][key],
  }));
}
