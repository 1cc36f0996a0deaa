import { describe, expect, it } from "vitest";
import { AdminWorkspaceActions, type AdminActionDeps } from "../../lib/admin/workspace-actions";
import type { WorkspaceStatus } from "../../lib/workspace/types";

const admin = { sub: "uid-admin", username: "root-admin" };
const bob: WorkspaceStatus = { state: "running", sub: "uid-bob", username: "bob", slug: "bob", containerName: "ws-bob" } as WorkspaceStatus;

function harness(options: { failStop?: boolean } = {}) {
  const done: string[] = [];
  const recorded: Array<{ action: string; actor?: string | null; detail?: Record<string, unknown> }> = [];
  const deps: AdminActionDeps = {
    workspaces: {
      list: async () => [bob, { ...bob, sub: admin.sub, username: admin.username, slug: "root-admin" }],
      stop: async (user) => {
        if (options.failStop) throw new Error("engine gone");
        done.push(`stop ${user.username}`);
        return { ...bob, state: "stopped" } as WorkspaceStatus;
      },
      ensureRunning: async (user) => {
        done.push(`start ${user.username}`);
        return bob;
      },
      remove: async (user, opts) => {
        done.push(`remove ${user.username}${opts?.deleteHome ? " and home" : ""}`);
      },
    },
    accounts: {
      disable: async (sub) => (done.push(`disable ${sub}`), true),
      enable: async (sub) => void done.push(`enable ${sub}`),
    },
    audit: { record: async (action, entry) => void recorded.push({ action, actor: entry.actor, detail: entry.detail }) },
  };
  return { actions: new AdminWorkspaceActions(deps), done, recorded };
}

describe("an admin's action on someone's workspace", () => {
  it("restarts by stopping then starting, and records one entry naming the admin", async () => {
    const h = harness();
    expect(await h.actions.take(admin, "bob", { action: "restart" })).toBeNull();
    expect(h.done).toEqual(["stop bob", "start bob"]);
    expect(h.recorded).toEqual([{ action: "admin.action", actor: "root-admin", detail: { action: "restart" } }]);
  });

  it("deletes a home only when the owner's username is typed again, and records nothing when it is not", async () => {
    const h = harness();
    const refusal = await h.actions.take(admin, "bob", { action: "remove", deleteHome: true, confirmUsername: "bobby" });
    expect(refusal).toMatchObject({ refused: "confirm", message: expect.stringContaining("(bob)") });
    expect(h.done).toEqual([]);
    expect(h.recorded).toEqual([]);
    expect(await h.actions.take(admin, "bob", { action: "remove", deleteHome: true, confirmUsername: "bob" })).toBeNull();
    expect(h.done).toEqual(["remove bob and home"]);
    expect(h.recorded).toHaveLength(1);
  });

  it("refuses to disable the admin's own account and an unknown workspace, changing nothing", async () => {
    const h = harness();
    expect(await h.actions.take(admin, "root-admin", { action: "disable" })).toMatchObject({ refused: "own_account" });
    expect(await h.actions.take(admin, "nobody", { action: "stop" })).toMatchObject({ refused: "not_found", message: "There is no workspace named nobody." });
    expect(h.done).toEqual([]);
    expect(h.recorded).toEqual([]);
  });

  it("records nothing when the action fails, and lets the failure reach the door", async () => {
    const h = harness({ failStop: true });
    await expect(h.actions.take(admin, "bob", { action: "stop" })).rejects.toThrow("engine gone");
    expect(h.recorded).toEqual([]);
  });
});
