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
