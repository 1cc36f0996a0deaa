import pino from "pino";
import { describe, expect, it } from "vitest";
import { ApprovalService } from "../../lib/ssh/approvals";
import { DEFAULT_THROTTLE, LoginThrottle } from "../../lib/ssh/login-throttle";
import { Authenticator, type AuthDeps } from "../../server/ssh/authenticate";

const alice = { sub: "sub-alice", username: "alice", slug: "alice-x" };

/** A keyboard-interactive login whose client is shown the approval link and never answers the (empty) prompt. */
async function silentLogin(deps: AuthDeps, ip: string) {
  const seen = { link: "" };
  const ctx = {
    method: "keyboard-interactive",
    username: "alice",
    reject: () => undefined,
    accept: () => undefined,
    prompt: (_prompts: unknown[], _title: string, instructions: string) => void (seen.link = instructions),
  };
  const auth = new Authenticator(deps, { ip, software: "OpenSSH_9.2" });
  await auth.handle(ctx as never);
  return { auth, id: () => /\/ssh\/approve\/([\w-]+)/.exec(seen.link)![1]! };
}

describe("a login denied in the browser", () => {
  it("is a failure of its address at the moment of the denial, whether or not its client ever answered", async () => {
    const throttle = new LoginThrottle({ ...DEFAULT_THROTTLE, perAddress: 3 });
    const approvals = new ApprovalService();
    let failures = 0;
    const deps = {
      throttle,
      approvals,
      registry: { byUsername: async (name: string) => (name === "alice" ? alice : undefined), bySlug: async () => undefined },
      standing: { check: async () => "ok" },
      maxPendingApprovals: { perNameFromAddress: 10, perAddress: 10, total: 100 },
      metrics: { sshAuthFailures: { inc: () => void failures++ } },
      publicUrl: new URL("http://portal.test/"),
      log: pino({ level: "silent" }),
    } as unknown as AuthDeps;
    for (let i = 0; i < 3; i++) {
      const login = await silentLogin(deps, "198.51.100.7");
      expect(approvals.decide(login.id(), alice, false)).toBe(true);
      // The client goes away right after the denial, before its answer to the prompt ever arrived.
      await Promise.resolve();
      login.auth.abandon();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(failures).toBe(3);
    expect(throttle.addressBlocked("198.51.100.7")).toBe(true);
  });
});
