import { afterAll, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { openSqliteStore } from "../../lib/store/sqlite";
import { workspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "uid-alice", username: "alice", email: "alice@example.org" };
// The same account as a session signed in before the rename would present it.
const staleAlice = { sub: "uid-alice", username: "alice-old", email: "old@example.org" };

describe("asking about a workspace records nothing", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());
  const stored = async () => {
    const db = openSqliteStore(fx.dataRoot).db;
    try {
      return await new UserRegistry(db).bySub(alice.sub);
    } finally {
      await db.destroy();
    }
  };

  it("answers a stale session's status poll and usage question with the account as recorded, and keeps the record", async () => {
    await fx.manager.getOrCreate(alice);
    const status = await fx.manager.status(staleAlice);
    expect(status.state).toBe("stopped"); // created, never started
    expect(status.username).toBe("alice");
    expect(await fx.manager.stats(staleAlice)).toBeNull();
    expect(await stored()).toMatchObject({ username: "alice", email: "alice@example.org" });
  });

  it("records an account the database has never seen, since its status names a container by the account's slug", async () => {
    const carol = { sub: "uid-carol", username: "carol" };
    const status = await fx.manager.status(carol);
    expect(status).toMatchObject({ state: "none", username: "carol" });
    const db = openSqliteStore(fx.dataRoot).db;
    try {
      expect((await new UserRegistry(db).bySub(carol.sub))?.slug).toBe(status.slug);
    } finally {
      await db.destroy();
    }
  });
});
