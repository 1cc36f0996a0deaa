import pino from "pino";
import { describe, expect, it } from "vitest";
import { DEFAULT_THROTTLE, LoginThrottle } from "../../lib/ssh/login-throttle";
import { Authenticator, type AuthDeps } from "../../server/ssh/authenticate";

/** What a client sees of one authentication attempt: a rejection, or a keyboard-interactive text shown to the user. */
function attempt(auth: Authenticator, method: "publickey" | "keyboard-interactive") {
  const seen: { rejected: boolean; shown?: string } = { rejected: false };
  const ctx = {
    method,
    username: "alice",
    reject: () => void (seen.rejected = true),
    prompt: (_prompts: unknown[], title: string, instructions: string, answered: () => void) => {
      seen.shown = `${title}\n${instructions}`;
      answered();
    },
  };
  void auth.handle(ctx as never); // the throttle answers before the first await
  return seen;
}

describe("an SSH login from an address past its failure limit", () => {
  const now = { t: 1_000_000 };
  const throttle = new LoginThrottle({ ...DEFAULT_THROTTLE, perAddress: 5 }, () => now.t);
  for (let i = 0; i < 5; i++) throttle.fail("203.0.113.9", `name${i}`);
  const deps = { throttle, log: pino({ level: "silent" }) } as unknown as AuthDeps;

  it("is told the wait when its client shows text (keyboard-interactive), instead of looking like a wrong key", () => {
    const seen = attempt(new Authenticator(deps, { ip: "203.0.113.9", software: "OpenSSH_9.2" }), "keyboard-interactive");
    expect(seen.shown).toContain("Too many failed SSH logins came from your address (203.0.113.9)");
    expect(seen.shown).toContain("about 10 more minutes");
    expect(seen.rejected).toBe(true);
  });

  it("counts the wait down, and lets the address in once its failures leave the window", () => {
    now.t += 9 * 60_000 + 30_000;
    expect(attempt(new Authenticator(deps, { ip: "203.0.113.9", software: "x" }), "keyboard-interactive").shown).toContain("about 1 more minute;");
    expect(attempt(new Authenticator(deps, { ip: "203.0.113.9", software: "x" }), "publickey")).toEqual({ rejected: true });
    now.t += 60_000;
    expect(throttle.addressBlocked("203.0.113.9")).toBe(false);
  });
});
