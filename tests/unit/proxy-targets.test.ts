import { describe, expect, it, vi } from "vitest";
import type { WorkspaceChange } from "../../lib/backend/backend";
import { WorkspaceChanges } from "../../lib/workspace/changes";
import type { WorkspaceStatus } from "../../lib/workspace/types";
import { TargetResolver, type TargetDeps } from "../../server/proxy/targets";

const PORT = { kind: "port", port: 8000 } as const;
const users = {
  "sub-alice": { sub: "sub-alice", username: "alice", slug: "alice" },
  "sub-bob": { sub: "sub-bob", username: "bob", slug: "bob" },
};

function running(slug: string, ipAddress: string, containerId: string): WorkspaceStatus {
  return { state: "running", sub: `sub-${slug}`, username: slug, slug, containerName: `p-${slug}`, containerId, ipAddress };
}

/** A resolver over a backend whose changes and statuses the test decides; each status look can be held open. */
function resolverWith() {
  let tell: (change: WorkspaceChange) => void = () => {};
  const source = {
    watches: 0,
    watch(onChange: (change: WorkspaceChange) => void) {
      source.watches++;
      tell = onChange;
      return () => {
        source.watches--;
      };
    },
  };
  const statuses = new Map<string, WorkspaceStatus>();
  const looks = { count: 0, hold: null as Promise<void> | null };
  const dropped: string[] = [];
  const deps: TargetDeps = {
    registry: { bySub: async (sub: string) => users[sub as keyof typeof users] as never },
    workspaces: {
      status: async (user) => {
        looks.count++;
        const answer = statuses.get(user.username) ?? ({ state: "none" } as WorkspaceStatus);
        if (looks.hold) await looks.hold;
        return answer;
      },
    },
    changes: new WorkspaceChanges(source),
    ports: { get: async () => [] },
    relays: { ensure: async () => true },
    codeServer: { baseUrl: (ip) => `http://${ip}:8080`, isUp: async () => true },
    notebook: { baseUrl: (ip) => `http://${ip}:8888`, isUp: async () => true },
  };
  const resolver = new TargetResolver(deps, (base) => dropped.push(base));
  tell({ kind: "resync" }); // the stream opened: changes are told from here on
  return { resolver, statuses, looks, dropped, source, change: (c: WorkspaceChange) => tell(c) };
}

describe("the proxy's upstream targets", () => {
  it("forgets a workspace's targets the moment it changes, and only that workspace's", async () => {
    const t = resolverWith();
    t.statuses.set("alice", running("alice", "10.0.0.2", "c-alice-1"));
    t.statuses.set("bob", running("bob", "10.0.0.3", "c-bob-1"));
    expect(await t.resolver.resolve("sub-alice", PORT)).toEqual({ kind: "ready", base: "http://10.0.0.2:8000", instanceId: "c-alice-1" });
    expect(await t.resolver.resolve("sub-alice", { kind: "code" })).toEqual({ kind: "ready", base: "http://10.0.0.2:8080", instanceId: "c-alice-1" });
    expect(await t.resolver.resolve("sub-bob", PORT)).toEqual({ kind: "ready", base: "http://10.0.0.3:8000", instanceId: "c-bob-1" });
    // Remembered with the instance it was found for (VS Code's workbench page is told it).
    expect(t.resolver.instanceOf("sub-alice", { kind: "code" })).toBe("c-alice-1");
    expect(t.resolver.known("sub-alice", PORT)).toBe("http://10.0.0.2:8000");

    // Alice's workspace stops; bob's new one gets her address.
    t.change({ kind: "workspace", slug: "alice", what: "stopped" });
    expect(t.resolver.known("sub-alice", PORT)).toBeUndefined();
    expect(t.resolver.known("sub-alice", { kind: "code" })).toBeUndefined();
    expect(t.resolver.known("sub-bob", PORT)).toBe("http://10.0.0.3:8000");
    expect(t.dropped.sort()).toEqual(["http://10.0.0.2:8000", "http://10.0.0.2:8080"]);
    t.statuses.set("alice", { ...running("alice", "", ""), state: "stopped", ipAddress: undefined as never });
    t.statuses.set("bob", running("bob", "10.0.0.2", "c-bob-2"));
    expect(await t.resolver.resolve("sub-alice", PORT)).toEqual({ kind: "starting" });
  });

  it("forgets everything when the backend had to reconnect", async () => {
    const t = resolverWith();
    t.statuses.set("alice", running("alice", "10.0.0.2", "c-alice-1"));
    t.statuses.set("bob", running("bob", "10.0.0.3", "c-bob-1"));
    await t.resolver.resolve("sub-alice", PORT);
    await t.resolver.resolve("sub-bob", PORT);
    t.change({ kind: "resync" });
    expect(t.resolver.known("sub-alice", PORT)).toBeUndefined();
    expect(t.resolver.known("sub-bob", PORT)).toBeUndefined();
  });

  it("remembers nothing while the backend's stream of changes is lost, until it opens again", async () => {
    const t = resolverWith();
    t.statuses.set("alice", running("alice", "10.0.0.2", "c-alice-1"));
    await t.resolver.resolve("sub-alice", PORT);
    expect(t.resolver.known("sub-alice", PORT)).toBe("http://10.0.0.2:8000");
    t.change({ kind: "lost" });
    expect(t.resolver.known("sub-alice", PORT)).toBeUndefined();
    // Still answered, from the backend each time: a change now could go untold.
    expect(await t.resolver.resolve("sub-alice", PORT)).toEqual({ kind: "ready", base: "http://10.0.0.2:8000", instanceId: "c-alice-1" });
    expect(t.resolver.known("sub-alice", PORT)).toBeUndefined();
    const looks = t.looks.count;
    await t.resolver.resolve("sub-alice", PORT);
    expect(t.looks.count).toBe(looks + 1);
    t.change({ kind: "resync" });
    await t.resolver.resolve("sub-alice", PORT);
    expect(t.resolver.known("sub-alice", PORT)).toBe("http://10.0.0.2:8000");
  });

  it("does not keep what a look read before a change overtook it, nor give it to requests that come after", async () => {
    const t = resolverWith();
    t.statuses.set("alice", running("alice", "10.0.0.2", "c-alice-1"));
    let release!: () => void;
    t.looks.hold = new Promise((resolve) => (release = resolve));
    const before = t.resolver.resolve("sub-alice", PORT);
    // The look has read alice's old status; now her workspace stops and is gone before the look returns.
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.looks.count).toBe(1);
    t.change({ kind: "workspace", slug: "alice", what: "stopped" });
    t.statuses.set("alice", { ...running("alice", "", ""), state: "stopped", ipAddress: undefined as never });
    const after = t.resolver.resolve("sub-alice", PORT);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.looks.count).toBe(2); // a new look, not the overtaken one
    t.looks.hold = null;
    release();
    expect(await before).toEqual({ kind: "starting" });
    expect(await after).toEqual({ kind: "starting" });
    expect(t.resolver.known("sub-alice", PORT)).toBeUndefined();
  });

  it("closes the old instance's connections when a refresh finds the workspace made anew", async () => {
    const t = resolverWith();
    t.statuses.set("alice", running("alice", "10.0.0.2", "c-alice-1"));
    await t.resolver.resolve("sub-alice", PORT);
    // Re-created on another address without this resolver being told (the event is still on its way).
    t.statuses.set("alice", running("alice", "10.0.0.5", "c-alice-2"));
    t.resolver.forget("sub-alice", PORT);
    await t.resolver.resolve("sub-alice", PORT);
    expect(t.resolver.known("sub-alice", PORT)).toBe("http://10.0.0.5:8000");
    expect(t.dropped).toEqual([]); // forgotten entries are the proxy's own (after an upstream error)
    t.statuses.set("alice", running("alice", "10.0.0.5", "c-alice-3"));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 16_000);
    t.resolver.known("sub-alice", PORT); // expired: serves it once more and refreshes
    vi.useRealTimers();
    for (let turns = 0; turns < 100 && t.dropped.length === 0; turns++) await new Promise((resolve) => setImmediate(resolve));
    expect(t.dropped).toEqual(["http://10.0.0.5:8000"]);
  });

  it("opens the backend's change stream once, and closes it with the last listener", () => {
    const t = resolverWith();
    expect(t.source.watches).toBe(1);
    t.resolver.close();
    expect(t.source.watches).toBe(0);
  });
});

describe("workspace changes", () => {
  it("tells every listener, even after one fails, and watches the backend once for all of them", () => {
    let tell: (change: WorkspaceChange) => void = () => {};
    let watches = 0;
    const changes = new WorkspaceChanges({
      watch: (onChange) => {
        watches++;
        tell = onChange;
        return () => watches--;
      },
    });
    const seen: string[] = [];
    const first = changes.subscribe(() => {
      throw new Error("a broken listener");
    });
    const second = changes.subscribe((c) => seen.push(c.kind === "workspace" ? `${c.slug} ${c.what}` : c.kind));
    expect(watches).toBe(1);
    tell({ kind: "workspace", slug: "alice", what: "removed" });
    tell({ kind: "resync" });
    expect(seen).toEqual(["alice removed", "resync"]);
    first();
    expect(watches).toBe(1);
    second();
    expect(watches).toBe(0);
  });

  it("tells a listener that comes while the stream is open that it is open, and not one that comes after it was lost", async () => {
    let tell: (change: WorkspaceChange) => void = () => {};
    const changes = new WorkspaceChanges({ watch: (onChange) => ((tell = onChange), () => {}) });
    const kinds = (into: string[]) => (c: WorkspaceChange) => into.push(c.kind === "workspace" ? `${c.slug} ${c.what}` : c.kind);
    const first: string[] = [];
    changes.subscribe(kinds(first));
    tell({ kind: "resync" });
    const late: string[] = [];
    changes.subscribe(kinds(late));
    expect(late).toEqual([]); // never inside subscribe
    await Promise.resolve();
    expect(late).toEqual(["resync"]);
    const gone: string[] = [];
    changes.subscribe(kinds(gone))(); // unsubscribed before it could be told
    tell({ kind: "lost" });
    const afterLoss: string[] = [];
    changes.subscribe(kinds(afterLoss));
    await Promise.resolve();
    expect({ first, late, gone, afterLoss }).toEqual({ first: ["resync", "lost"], late: ["resync", "lost"], gone: [], afterLoss: [] });
  });

  it("lets a resolver made after the stream opened remember targets (one look for many requests)", async () => {
    let tell: (change: WorkspaceChange) => void = () => {};
    const changes = new WorkspaceChanges({ watch: (onChange) => ((tell = onChange), () => {}) });
    changes.subscribe(() => {}); // another part (the port lists, the moves) opened the stream first
    tell({ kind: "resync" });
    let looks = 0;
    const resolver = new TargetResolver({
      registry: { bySub: async () => users["sub-alice"] as never },
      workspaces: { status: async () => (looks++, running("alice", "10.0.0.2", "c-alice-1")) },
      changes,
      ports: { get: async () => [] },
      relays: { ensure: async () => true },
      codeServer: { baseUrl: (ip) => `http://${ip}:8080`, isUp: async () => true },
      notebook: { baseUrl: (ip) => `http://${ip}:8888`, isUp: async () => true },
    });
    await Promise.resolve();
    for (let i = 0; i < 5; i++) expect(await resolver.resolve("sub-alice", PORT)).toMatchObject({ kind: "ready", base: "http://10.0.0.2:8000" });
    expect(looks).toBe(1);
  });
});
