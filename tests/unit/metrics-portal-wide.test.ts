import { describe, expect, it } from "vitest";
import { PortalMetrics } from "../../lib/metrics/metrics";
import type { WorkspaceStatus } from "../../lib/workspace/types";

const running = { state: "running" } as WorkspaceStatus;

describe("portal-wide metrics", () => {
  it("are exposed only while this process leads; its own figures always", async () => {
    const metrics = new PortalMetrics(async () => [running, running], () => ({ web: 3, ssh: 1 }) as never, () => 2);
    const follower = await metrics.exposition();
    expect(follower).toMatch(/^scitex_terminals_active\{door="web"\} 3$/m);
    expect(follower).toMatch(/^scitex_portal_leader 0$/m);
    expect(follower).not.toContain("scitex_workspaces");
    expect(follower).not.toContain("scitex_start_queue_length");

    metrics.setLeading(true);
    const leader = await metrics.exposition();
    expect(leader).toMatch(/^scitex_workspaces\{state="running"\} 2$/m);
    expect(leader).toMatch(/^scitex_start_queue_length 2$/m);
    expect(leader).toMatch(/^scitex_terminals_active\{door="web"\} 3$/m);
    expect(leader).toMatch(/^scitex_portal_leader 1$/m);

    metrics.setLeading(false);
    expect(await metrics.exposition()).not.toContain("scitex_workspaces");
  });
});
