/** Who is signed in, as every door (pages, API routes, terminal sockets, proxy, SSH approval) sees it. */
export interface SessionUser {
  sub: string;
  username: string;
  email?: string;
  name?: string;
  isAdmin: boolean;
  groups?: string[];
  /** When the session ends (ms since the epoch); long-lived connections end with it. */
  expiresAt?: number;
}
