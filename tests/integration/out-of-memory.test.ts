import { afterAll, describe, expect, it } from "vitest";
import { run, workspaceFixture } from "../support/workspace-fixture";

const erin = { sub: "oom-erin", username: "erin" };

describe("a workspace killed for memory", () => {
  const fx = workspaceFixture({ WORKSPACE_MEMORY: "96m" });
  afterAll(() => fx.cleanup());

  it("reports 'out of memory' to its owner and starts again on request", async () => {
    await fx.manager.ensureRunning(erin);
    // Make the workspace's own keep-alive process the OOM killer's first choice (anyone may raise their own
    // score), then exhaust memory: the workspace itself dies of it, as a big job can make happen for real.
    const hog = [
      'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = "$$" ] && continue;',
      '  grep -q "while :" "$d/cmdline" 2>/dev/null && echo 1000 > "$d/oom_score_adj"; done;',
      // Several middling jobs rather than one huge one, so no single job outscores the raised keep-alive.
      'for i in 1 2 3 4; do (x=$(head -c 40000000 /dev/zero | tr "\\0" a); sleep 20) & done; wait',
    ].join(" ");
    await run(fx.manager, erin, hog).catch(() => undefined);
    await expect.poll(async () => (await fx.manager.status(erin)).state, { timeout: 20_000 }).toBe("stopped");
    const status = await fx.manager.status(erin);
    expect(status.stopReason).toBe("out_of_memory");
    expect((await fx.manager.ensureRunning(erin)).state).toBe("running");
    expect((await run(fx.manager, erin, "echo alive")).stdout).toBe("alive\n");
  });
});
