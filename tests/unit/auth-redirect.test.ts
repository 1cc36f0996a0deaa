import pino from "pino";
import { describe, expect, it } from "vitest";
import { buildAuthOptions } from "../../lib/auth/next-auth-options";
import type { AuthSettings } from "../../lib/auth/settings";

const settings: AuthSettings = {
  secret: "x".repeat(32),
  providerName: "test",
  devProvider: true,
  oidc: { issuer: "http://idp.invalid", clientId: "c", clientSecret: "s", scopes: "openid" },
  secureCookies: false,
  admin: { subjects: [], usernames: [], claim: null },
  sessionMaxAgeSeconds: 3600,
};

describe("where next-auth may send the browser after sign-in and sign-out", () => {
  const redirect = buildAuthOptions(settings, "http://idp.invalid/.well-known/openid-configuration", () => {}, pino({ level: "silent" })).callbacks!.redirect!;
  const to = async (url: string) => redirect({ url, baseUrl: "http://portal.test:3000" });

  it("keeps paths and the portal's own absolute URLs", async () => {
    await expect(to("/workspace?view=code")).resolves.toBe("http://portal.test:3000/workspace?view=code");
    await expect(to("http://portal.test:3000/ssh#keys")).resolves.toBe("http://portal.test:3000/ssh#keys");
  });

  it("never leaves the portal, however a browser would read the target", async () => {
    for (const url of ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "http://portal.test:3000.evil.example/", "javascript:alert(1)", "http://portal.test:3001/"]) {
      await expect(to(url), url).resolves.toBe("http://portal.test:3000/");
    }
  });
});
