import { retryOnConflict } from "../store/conflict";
import type { Selectable } from "kysely";
import { isoNow, type PortalDb, type UsersTable } from "../store/schema";
import { workspaceSlug } from "./naming";
import type { PortalUser } from "./user";

export interface RegisteredUser extends PortalUser {
  /** Names the container and the home directory; fixed at first sight so a renamed user keeps their files. */
  slug: string;
}

const USER_COLUMNS = ["sub", "username", "slug", "email", "name", "groups"] as const;

/** What the registry reads of a user's row. */
type UserRow = Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]>;


/** Remembers every user the portal has seen, keyed by the OIDC subject. */
export class UserRegistry {
  /** Told when a username moves from one subject to another, for the audit log. */
  onUsernameMoved?: (move: { username: string; from: string; to: string }) => void;
  private readonly slugs = new Map<string, string>();
  private readonly uids = new Map<string, number>();

  constructor(private readonly db: PortalDb) {}

  /** Records (or refreshes) a user and returns their permanent slug. */
  async register(user: PortalUser): Promise<RegisteredUser> {
    const moved: Array<{ username: string; from: string; to: string }> = [];
    const registered = await retryOnConflict(() => this.db.transaction().execute(async (trx): Promise<RegisteredUser> => {
      moved.length = 0; // a retried attempt tells only what it did itself
      const existing = await bySub(trx, user.sub);
      if (existing && unchanged(existing, user)) return existing;
      moved.push(...(await releaseUsername(trx, user)));
      const groups = user.groups ? JSON.stringify(user.groups) : null;
      if (existing) {
        // Callers that know only sub and username (the admin page, a workspace event) leave the rest as stored.
        await trx
          .updateTable("users")
          .set((eb) => ({
            username: user.username,
            email: eb.fn.coalesce(eb.val(user.email ?? null), eb.ref("email")),
            name: eb.fn.coalesce(eb.val(user.name ?? null), eb.ref("name")),
            groups: eb.fn.coalesce(eb.val(groups), eb.ref("groups")),
            updated_at: isoNow(),
          }))
          .where("sub", "=", user.sub)
          .execute();
        return (await bySub(trx, user.sub))!;
      }
      const slug = await freeSlug(trx, user);
      await trx
        .insertInto("users")
        .values({ sub: user.sub, username: user.username, slug, email: user.email ?? null, name: user.name ?? null, groups })
        .execute();
      return { ...user, slug };
    }));
    // Told once the change is in: a listener that writes (the audit log) must not wait on this transaction.
    for (const move of moved) this.onUsernameMoved?.(move);
    return registered;
  }

  /** The slug if this process has looked it up before, without waiting: the proxy's hot path. */
  knownSlug(sub: string): string | undefined {
    return this.slugs.get(sub);
  }

  /**
   * The user's workspace slug, from memory after the first look: a slug never changes once given, and the proxy
   * asks on every request.
   */
  async slugOf(sub: string): Promise<string | undefined> {
    let slug = this.slugs.get(sub);
    if (slug === undefined) {
      slug = (await this.bySub(sub))?.slug;
      if (slug !== undefined) this.slugs.set(sub, slug);
    }
    return slug;
  }

  /**
   * The user's own number among everybody the portal has seen (1, 2, …): their workspace's host uid is a base plus
   * it, so no two users' files share an owner on the host. Given once, kept for ever, never given to another: the
   * numbers come from one counter row, which processes asking at once take in turn.
   */
  async uidIndex(sub: string): Promise<number> {
    // Every exec asks; a number once given never changes.
    const known = this.uids.get(sub);
    if (known !== undefined) return known;
    const index = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("users").select("uid_index").where("sub", "=", sub).executeTakeFirst();
      if (!row) throw new Error(`unknown subject ${sub}`);
      if (row.uid_index !== null) return row.uid_index;
      const { value } = await trx
        .updateTable("counters")
        .set((eb) => ({ value: eb("value", "+", 1) }))
        .where("name", "=", "uid_index")
        .returning("value")
        .executeTakeFirstOrThrow();
      const given = await trx.updateTable("users").set({ uid_index: value }).where("sub", "=", sub).where("uid_index", "is", null).executeTakeFirst();
      if (given.numUpdatedRows > 0n) return value;
      // Another process gave this user a number meanwhile: that one stands (this one is never given to anybody).
      return (await trx.selectFrom("users").select("uid_index").where("sub", "=", sub).executeTakeFirstOrThrow()).uid_index!;
    });
    if (this.uids.size > 50_000) this.uids.clear();
    this.uids.set(sub, index);
    return index;
  }

  bySub(sub: string): Promise<RegisteredUser | undefined> {
    return bySub(this.db, sub);
  }

  /** The one subject holding this username; none when (from a database older than the rule) several do. */
  async byUsername(username: string): Promise<RegisteredUser | undefined> {
    const rows = await this.db.selectFrom("users").select(USER_COLUMNS).where("username", "=", username).limit(2).execute();
    return rows.length === 1 ? toUser(rows[0]!) : undefined;
  }

  async bySlug(slug: string): Promise<RegisteredUser | undefined> {
    return bySlug(this.db, slug);
  }
}

async function bySub(db: PortalDb, sub: string): Promise<RegisteredUser | undefined> {
  const row = await db.selectFrom("users").select(USER_COLUMNS).where("sub", "=", sub).executeTakeFirst();
  return row && toUser(row);
}

async function bySlug(db: PortalDb, slug: string): Promise<RegisteredUser | undefined> {
  const row = await db.selectFrom("users").select(USER_COLUMNS).where("slug", "=", slug).executeTakeFirst();
  return row && toUser(row);
}

/**
 * A username belongs to one subject at a time: when the identity provider gives a name to another account (a
 * rename, or a name reused after deletion), the account that held it keeps its files and keys under its slug but
 * loses the name, so `ssh alice@…` can never land in somebody else's workspace. It gets its name back (or its
 * new one) when it next signs in.
 */
async function releaseUsername(db: PortalDb, user: PortalUser): Promise<Array<{ username: string; from: string; to: string }>> {
  const holders = await db.selectFrom("users").select("sub").where("username", "=", user.username).where("sub", "!=", user.sub).execute();
  for (const holder of holders) {
    await db.updateTable("users").set((eb) => ({ username: eb.ref("slug") })).where("sub", "=", holder.sub).execute();
  }
  return holders.map((holder) => ({ username: user.username, from: holder.sub, to: user.sub }));
}

async function freeSlug(db: PortalDb, user: PortalUser): Promise<string> {
  // A 40-bit suffix collides about once in a million users squared; lengthen it rather than ever share.
  for (let length = 8; length <= 24; length += 4) {
    const slug = workspaceSlug(user.username, user.sub, length);
    if (!(await bySlug(db, slug))) return slug;
  }
  throw new Error(`no free workspace name for subject ${user.sub}`);
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
