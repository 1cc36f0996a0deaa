import type { PortalDatabase } from "../store/db";
import { workspaceSlug } from "./naming";
import type { PortalUser } from "./user";

export interface RegisteredUser extends PortalUser {
  /** Names the container and the home directory; fixed at first sight so a renamed user keeps their files. */
  slug: string;
}

interface UserRow {
  sub: string;
  username: string;
  slug: string;
  email: string | null;
  name: string | null;
  groups: string | null;
}

/** Remembers every user the portal has seen, keyed by the OIDC subject. */
export class UserRegistry {
  // Prepared once: every proxied request and status poll looks users up.
  private readonly bySubStmt;
  private readonly byUsernameStmt;
  /** Told when a username moves from one subject to another, for the audit log. */
  onUsernameMoved?: (move: { username: string; from: string; to: string }) => void;
  private readonly bySlugStmt;
  private readonly slugs = new Map<string, string>();

  constructor(private readonly db: PortalDatabase) {
    this.bySubStmt = db.prepare("SELECT * FROM users WHERE sub = ?");
    this.byUsernameStmt = db.prepare("SELECT * FROM users WHERE username = ? LIMIT 2");
    this.bySlugStmt = db.prepare("SELECT * FROM users WHERE slug = ?");
  }

  /** Records (or refreshes) a user and returns their permanent slug. */
  register(user: PortalUser): RegisteredUser {
    return this.db.transaction((): RegisteredUser => {
      const existing = this.bySub(user.sub);
      if (existing && unchanged(existing, user)) return existing;
      this.releaseUsername(user);
      if (existing) {
        // Callers that know only sub and username (the admin page, a workspace event) leave the rest as stored.
        this.db
          .prepare(
            `UPDATE users SET username = ?, email = COALESCE(?, email), name = COALESCE(?, name), groups = COALESCE(?, groups),
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
             WHERE sub = ?`,
          )
          .run(user.username, user.email ?? null, user.name ?? null, user.groups ? JSON.stringify(user.groups) : null, user.sub);
        return this.bySub(user.sub)!;
      }
      const slug = this.freeSlug(user);
      this.db
        .prepare("INSERT INTO users (sub, username, slug, email, name, groups) VALUES (?, ?, ?, ?, ?, ?)")
        .run(user.sub, user.username, slug, user.email ?? null, user.name ?? null, user.groups ? JSON.stringify(user.groups) : null);
      return { ...user, slug };
    })();
  }

  /**
   * The user's workspace slug, from memory after the first look: a slug never changes once given, and the proxy
   * asks on every request.
   */
  slugOf(sub: string): string | undefined {
    let slug = this.slugs.get(sub);
    if (slug === undefined) {
      slug = this.bySub(sub)?.slug;
      if (slug !== undefined) this.slugs.set(sub, slug);
    }
    return slug;
  }

  /**
   * The user's own number among everybody the portal has seen (1, 2, …): their workspace's host uid is a base plus
   * it, so no two users' files share an owner on the host. Given once, kept for ever, never given to another.
   */
  uidIndex(sub: string): number {
    return this.db.transaction((): number => {
      const row = this.db.prepare("SELECT uid_index FROM users WHERE sub = ?").get(sub) as { uid_index: number | null } | undefined;
      if (!row) throw new Error(`unknown subject ${sub}`);
      if (row.uid_index !== null) return row.uid_index;
      const next = (this.db.prepare("SELECT COALESCE(MAX(uid_index), 0) + 1 AS n FROM users").get() as { n: number }).n;
      this.db.prepare("UPDATE users SET uid_index = ? WHERE sub = ?").run(next, sub);
      return next;
    })();
  }

  bySub(sub: string): RegisteredUser | undefined {
    const row = this.bySubStmt.get(sub) as UserRow | undefined;
    return row && toUser(row);
  }

  /** The one subject holding this username; none when (from a database older than the rule) several do. */
  byUsername(username: string): RegisteredUser | undefined {
    const rows = this.byUsernameStmt.all(username) as UserRow[];
    return rows.length === 1 ? toUser(rows[0]!) : undefined;
  }

  bySlug(slug: string): RegisteredUser | undefined {
    const row = this.bySlugStmt.get(slug) as UserRow | undefined;
    return row && toUser(row);
  }

  /**
   * A username belongs to one subject at a time: when the identity provider gives a name to another account (a
   * rename, or a name reused after deletion), the account that held it keeps its files and keys under its slug but
   * loses the name, so `ssh alice@…` can never land in somebody else's workspace. It gets its name back (or its
   * new one) when it next signs in.
   */
  private releaseUsername(user: PortalUser): void {
    const holders = (this.db.prepare("SELECT * FROM users WHERE username = ?").all(user.username) as UserRow[]).filter((row) => row.sub !== user.sub);
    for (const holder of holders) {
      this.db.prepare("UPDATE users SET username = slug WHERE sub = ?").run(holder.sub);
      this.onUsernameMoved?.({ username: user.username, from: holder.sub, to: user.sub });
    }
  }

  private freeSlug(user: PortalUser): string {
    // A 40-bit suffix collides about once in a million users squared; lengthen it rather than ever share.
    for (let length = 8; length <= 24; length += 4) {
      const slug = workspaceSlug(user.username, user.sub, length);
      if (!this.bySlug(slug)) return slug;
    }
    throw new Error(`no free workspace name for subject ${user.sub}`);
  }
}

function toUser(row: UserRow): RegisteredUser {
  return {
    sub: row.sub,
    username: row.username,
    slug: row.slug,
    ...(row.email ? { email: row.email } : {}),
    ...(row.name ? { name: row.name } : {}),
    ...(row.groups ? { groups: JSON.parse(row.groups) as string[] } : {}),
  };
}

/** Nothing to write: the same user as stored (email, name and groups only count when they were given). */
function unchanged(stored: RegisteredUser, user: PortalUser): boolean {
  return (
    stored.username === user.username &&
    (user.email === undefined || stored.email === user.email) &&
    (user.name === undefined || stored.name === user.name) &&
    (user.groups === undefined || JSON.stringify(stored.groups ?? null) === JSON.stringify(user.groups))
  );
}
