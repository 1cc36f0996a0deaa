/** One workspace as the admin page lists it. */
export interface AdminWorkspaceRow {
  name: string;
  username: string;
  /** The owner's OIDC subject: what ADMIN_SUBJECTS lists. */
  sub: string;
  /** The owner's account is disabled on this portal. */
  disabled: boolean;
  /** The identity provider refused the owner's grant; the account is out until it signs in there again. */
  providerRefused: boolean;
  /** False for a container with our labels whose owner this portal's database does not know. */
  knownOwner: boolean;
  state: string;
  startedAt?: string;
  uptimeSeconds?: number;
  idleSeconds?: number;
  idleStopAt?: string;
  stopReason?: string;
  cpuPercent?: number;
  memoryBytes?: number;
  memoryLimitBytes?: number;
  pids?: number;
}

/** What /api/admin/workspaces answers: the rows, the start queue, and what is wrong with the host. */
export interface AdminWorkspacesView {
  workspaces: AdminWorkspaceRow[];
  /** Usernames waiting for a start, first first. */
  queue: string[];
  /** How many workspaces may run at once (0: no cap). */
  cap: number;
  /** What is wrong with the egress firewall, or null when its rules are in place. */
  egress: string | null;
  /** Why a full home could fill the portal's own disk, or null when it cannot. */
  disk: string | null;
}
