import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ListeningPortsCache } from "../../lib/apps/listening-ports";
import type { WorkspaceManager } from "../../lib/workspace/manager";

const PROC_NET_TCP = `  sl  local_address rem_address   st
   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 1
`;

function countingWorkspaces() {
  const calls = { exec: 0, fail: false };
  const workspaces = {
    exec: async () => {
      calls.exec += 1;
      if (calls.fail) throw new Error("not running");
      const stdout = new PassThrough();
      stdout.end(PROC_NET_TCP);
      return { stdout, stderr: new PassThrough().end(), wait: async () => 0 };
    },
  } as unknown as WorkspaceManager;
  return { workspaces, calls };
}

describe("the port list cache", () => {
  it("answers requests that come together or within two seconds with one exec, per user", async () => {
    let now = 0;
    const { workspaces, calls } = countingWorkspaces();
    const cache = new ListeningPortsCache(workspaces, () => now);
    const alice = { sub: "a", username: "alice" };
    const lists = await Promise.all(Array.from({ length: 50 }, () => cache.get(alice)));
    expect(lists[49]).toEqual([{ port: 8000, reachable: true }]);
    expect(calls.exec).toBe(1);
    await cache.get({ sub: "b", username: "bob" });
    expect(calls.exec).toBe(2);
    now += 2500;
    await cache.get(alice);
    expect(calls.exec).toBe(3);
  });

  it("does not remember a failure", async () => {
    const { workspaces, calls } = countingWorkspaces();
    const cache = new ListeningPortsCache(workspaces, () => 0);
    calls.fail = true;
    await expect(cache.get({ sub: "a", username: "alice" })).rejects.toThrow("not running");
    await new Promise((r) => setImmediate(r));
    calls.fail = false;
    await expect(cache.get({ sub: "a", username: "alice" })).resolves.toHaveLength(1);
  });
});

describe("the port list cache, when a workspace changes", () => {
  it("asks the workspace again instead of answering from its old instance", async () => {
    const { workspaces, calls } = countingWorkspaces();
    const cache = new ListeningPortsCache(workspaces, () => 0);
    const alice = { sub: "a", username: "alice" };
    await cache.get(alice);
    await cache.get(alice);
    expect(calls.exec).toBe(1);
    cache.clear();
    await cache.get(alice);
    expect(calls.exec).toBe(2);
  });
});
