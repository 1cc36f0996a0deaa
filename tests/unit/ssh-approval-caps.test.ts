import pino from "pino";
import { describe, expect, it } from "vitest";
import { ApprovalService } from "../../lib/ssh/approvals";
import { DEFAULT_THROTTLE, LoginThrottle } from "../../lib/ssh/login-throttle";
import { Authenticator, type AuthDeps } from "../../server/ssh/authenticate";

const CAPS = { perNameFromAddress: 3, perAddress: 5, total: 8 };

/** One keyboard-interactive attempt as `username` from `ip`: an approval link shown, a refusal told, or nothing. */
async function ask(approvals: ApprovalService, ip: string, username: string) {
  const deps = {
    approvals,
    throttle: new LoginThrottle(DEFAULT_THROTTLE),
    registry: { byUsername: async () => undefined, bySlug: async () => undefined },
    standing: { check: async () => "admitted" },
    maxPendingApprovals: CAPS,
    metrics: { sshAuthFailures: { inc: () => undefined } },
    publicUrl: new URL("https://portal.example"),
    log: pino({ level: "silent" }),
  } as unknown as AuthDeps;
  const seen: { rejected: boolean; shown?: string } = { rejected: false };
  const ctx = {
    method: "keyboard-interactive",
    username,
    reject: () => void (seen.rejected = true),
    prompt: (_prompts: unknown[], title: string, instructions: string, answered: () => void) => {
      seen.shown = `${title}\n${instructions}`;
      answered();
    },
  };
  await new Authenticator(deps, { ip, software: "OpenSSH_9.2" }).handle(ctx as never);
  return { ...seen, link: /\/ssh\/approve\//.test(seen.shown ?? "") };
}

describe("logins waiting for browser approval", () => {
  it("are counted by the address that asked: one address holding a name's slots leaves it free to every other", async () => {
    const approvals = new ApprovalService();
    for (let i = 0; i < 3; i++) expect((await ask(approvals, "203.0.113.66", "alice")).link).toBe(true);
    const fourth = await ask(approvals, "203.0.113.66", "alice");
    expect(fourth.link).toBe(false);
    expect(fourth.rejected).toBe(true);
    expect(fourth.shown).toContain("3 SSH logins from your address (203.0.113.66) already wait for approval");
    // Alice, from her own address, is offered her approval all the same.
    expect((await ask(approvals, "198.51.100.7", "alice")).link).toBe(true);
    expect(approvals.waiting("alice", "198.51.100.7")).toEqual({ forNameFromAddress: 1, fromAddress: 1, total: 4 });
  });

  it("are bounded per address across names, and in all", async () => {
    const approvals = new ApprovalService();
    for (const name of ["a", "b", "c", "d", "e"]) expect((await ask(approvals, "203.0.113.66", name)).link).toBe(true);
    expect((await ask(approvals, "203.0.113.66", "f")).link).toBe(false);
    for (const ip of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) expect((await ask(approvals, ip, "alice")).link).toBe(true);
    const past = await ask(approvals, "192.0.2.4", "alice");
    expect(past.link).toBe(false);
    expect(past.shown).toContain("too many logins waiting for approval right now");
    expect(approvals.waiting("x", "192.0.2.4").total).toBe(CAPS.total);
  });

  it("free their slot when they end", async () => {
    const approvals = new ApprovalService();
    const held = approvals.create("alice", "203.0.113.66", "x");
    expect(approvals.waiting("alice", "203.0.113.66").forNameFromAddress).toBe(1);
    approvals.cancel(held.request.id);
    expect(approvals.waiting("alice", "203.0.113.66")).toEqual({ forNameFromAddress: 0, fromAddress: 0, total: 0 });
  });
});
