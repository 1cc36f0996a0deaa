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
  /** When this sign-in happened (ms): sessions from before an admin's "sign out everywhere" are over. */
  authAt?: number;
  /** This sign-in's id: apps opened under it end when it is signed out. Absent in sessions from before it existed. */
  sid?: string;
}
