import { afterEach, describe, expect, it, vi } from "vitest";
import type { Placement, WorkspaceChange } from "../../lib/backend/backend";
import { pollChanges } from "../../lib/backend/swarm/watch";

const at = (slug: string, state: Placement["state"], instanceId?: string): Placement => ({
  slug,
  name: `ws-${slug}`,
  labels: {},
  state,
  ...(instanceId ? { instanceId } : {}),
});

describe("the Swarm backend's watch (one listing per round)", () => {
  afterEach(() => vi.useRealTimers());

  it("tells what changed between rounds, a new instance as a start, and a failed round as the changes lost", async () => {
    vi.useFakeTimers();
    const rounds: Array<Placement[] | Error> = [
      [at("a", "running", "c1")],
      [at("a", "running", "c1"), at("b", "created")],
      [at("a", "stopped", "c1"), at("b", "running", "c2")],
      [at("a", "running", "c3")],
      new Error("manager unreachable"),
      new Error("manager unreachable"),
      [at("a", "running", "c3")],
    ];
    const heard: WorkspaceChange[] = [];
    let round = 0;
    const stop = pollChanges(
      async () => {
        const next = rounds[Math.min(round++, rounds.length - 1)]!;
        if (next instanceof Error) throw next;
        return next;
      },
      (change) => heard.push(change),
      1000,
    );
    for (let i = 0; i < rounds.length; i++) await vi.advanceTimersByTimeAsync(1000);
    stop();
    expect(heard).toEqual([
      { kind: "resync" },
      { kind: "workspace", slug: "b", what: "created" },
      { kind: "workspace", slug: "a", what: "stopped" },
      { kind: "workspace", slug: "b", what: "started" },
      // c3 is a new container of a: started; b is gone.
      { kind: "workspace", slug: "a", what: "started" },
      { kind: "workspace", slug: "b", what: "removed" },
      { kind: "lost" },
      { kind: "resync" },
    ]);
  });
});
