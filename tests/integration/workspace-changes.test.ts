import { afterAll, describe, expect, it } from "vitest";
import type { WorkspaceChange } from "../../lib/backend/backend";
import { LABEL } from "../../lib/backend/labels";
import { WorkspaceChanges } from "../../lib/workspace/changes";
import { TargetResolver } from "../../server/proxy/targets";
import { TEST_IMAGE } from "../support/images";
import { workspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "changes-alice", username: "alice" };
const carol = { sub: "changes-carol", username: "carol" };

describe("changes to workspaces, as the engine tells them", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());

  it("reports a workspace stopped behind the portal's back, and nothing of another portal's workspaces", async () => {
    const changes: WorkspaceChange[] = [];
    const unwatch = fx.backend.watch((change) => changes.push(change));
    // Another portal instance's workspace on the same engine: never this portal's business.
    const stranger = await fx.docker.createContainer({
      Image: TEST_IMAGE,
      Labels: { [LABEL.managed]: "true", [LABEL.instance]: `${fx.settings.instance}-other`, [LABEL.slug]: "stranger" },
    });
    try {
      await expect.poll(() => changes.some((c) => c.kind === "resync"), { timeout: 30_000 }).toBe(true);
      const { slug, containerId } = await fx.manager.ensureRunning(alice);
      await stranger.start();
      // An operator's `docker stop`, not the portal's.
      await fx.docker.getContainer(containerId!).stop({ t: 1 });
      const told = () => changes.flatMap((c) => (c.kind === "workspace" ? [`${c.slug} ${c.what}`] : []));
      await expect.poll(() => told().includes(`${slug} stopped`), { timeout: 30_000 }).toBe(true);
      // The engine tells one stream in order: the stranger's start came before the stop, and was never told.
      expect(told()).toEqual([`${slug} created`, `${slug} started`, `${slug} stopped`]);
      expect((await fx.manager.status(alice)).state).toBe("stopped");
    } finally {
      unwatch();
      await stranger.remove({ force: true });
    }
  });

  it("lets the proxy remember a workspace's address when the engine's stream opened before the proxy came", async () => {
    const changes = new WorkspaceChanges(fx.backend);
    const kinds: string[] = [];
    // Another part of the portal (the port lists, the moves) subscribes first and opens the stream.
    const first = changes.subscribe((c) => kinds.push(c.kind));
    let resolver: TargetResolver | undefined;
    try {
      await expect.poll(() => kinds.includes("resync"), { timeout: 30_000 }).toBe(true);
      const { containerId } = await fx.manager.ensureRunning(carol);
      const user = { ...carol, slug: (await fx.manager.status(carol)).slug };
      let looks = 0;
      resolver = new TargetResolver({
        registry: { bySub: async () => user },
        workspaces: { status: async (u) => (looks++, fx.manager.status(u)) },
        changes,
        ports: { get: async () => [] },
        relays: { ensure: async () => true },
        codeServer: { baseUrl: (ip) => `http://${ip}:8080`, isUp: async () => true },
        notebook: { baseUrl: (ip) => `http://${ip}:8888`, isUp: async () => true },
      });
      for (let i = 0; i < 20; i++) {
        expect(await resolver.resolve(carol.sub, { kind: "port", port: 8000 })).toMatchObject({ kind: "ready", instanceId: containerId });
      }
      // One look at the engine for twenty requests: the proxy's hot path asks nothing of Docker.
      expect(looks).toBe(1);
    } finally {
      resolver?.close();
      first();
    }
  });
});
