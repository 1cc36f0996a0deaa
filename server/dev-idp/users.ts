import { timingSafeEqual } from "node:crypto";

/** Demo accounts of the embedded development identity provider (listed in the README). Never used in production. */
export interface DevUser {
  sub: string;
  username: string;
  password: string;
  name: string;
  email: string;
  isStaff: boolean;
}

export const DEV_USERS: readonly DevUser[] = [
  { sub: "dev-alice", username: "alice", password: "alice", name: "Alice Archer", email: "alice@example.org", isStaff: false },
  { sub: "dev-bob", username: "bob", password: "bob", name: "Bob Bauer", email: "bob@example.org", isStaff: false },
  { sub: "dev-admin", username: "admin", password: "admin", name: "Ada Admin", email: "admin@example.org", isStaff: true },
];

export function checkDevLogin(username: string, password: string): DevUser | null {
  const user = DEV_USERS.find((u) => u.username === username);
  if (!user) return null;
  const given = Buffer.from(password);
  const wanted = Buffer.from(user.password);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? user : null;
}

export function devUserBySub(sub: string): DevUser | undefined {
  return DEV_USERS.find((u) => u.sub === sub);
}
