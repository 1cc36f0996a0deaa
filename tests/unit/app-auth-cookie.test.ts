import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppAddress } from "../../lib/apps/app-address";
import { AppSessions, RECHECK_MS } from "../../lib/apps/app-sessions";
import { AppsDomain } from "../../lib/apps/apps-domain";
import type { AppsUrl } from "../../lib/config/apps-url";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";
import { AppAuth, type AppAuthDeps } from "../../server/proxy/app-auth";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const alice: AppAddress = { slug: "alice-xakvtnsb", app: { kind: "code" } };
const alicePort: AppAddress = { slug: "alice-xakvtnsb", app: { kind: "port", port: 8000 } };
const mallory: AppAddress = { slug: "mallory-abcdefgh", app: { kind: "port", port: 8000 } };

let dir: string;
let db: PortalDb;
let now: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-auth-"));
  db = openSqliteStore(dir).db;
  now = T0;
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** AppAuth over a real apps domain and real session store: `session()` reads nothing else of the portal. */
function setup(url: AppsUrl) {
  const domain = new AppsDomain(url);
  const sessions = new AppSessions(db, () => now);
  const auth = new AppAuth({ apps: { domain, sessions } } as unknown as AppAuthDeps);
  const signIn = (address: AppAddress, sub = "17") =>
    sessions.create({ sub, host: domain.host(address), portalSid: `portal-${sub}`, portalExpiresAt: T0 + 3600_000 });
  return { auth, domain, sessions, signIn };
}

describe("the app session a request's cookies name", () => {
  describe("over http (cookie portal-app)", () => {
    const url: AppsUrl = { protocol: "http:", suffix: ".localhost", port: "3000" };

    it("finds the session of this host's cookie", async () => {
      const { auth, domain, signIn } = setup(url);
      expect(auth.cookieName).toBe("portal-app");
      const { token, session } = await signIn(alice);
      const host = domain.host(alice);
      expect(await auth.session(`portal-app=${token}`, host)).toEqual(session);
      expect(await auth.session(`theme=dark; portal-app=${token}; _xsrf=1`, host)).toEqual(session);
      expect(await auth.session(`theme=dark;portal-app=${token}`, host)).toEqual(session);
    });

    it("finds the real session when a sibling app planted a same-named cookie before it", async () => {
      const { auth, domain, signIn } = setup(url);
      const real = await signIn(alice);
      const host = domain.host(alice);
      expect(await auth.session(`portal-app=planted-by-a-sibling; portal-app=${real.token}`, host)).toEqual(real.session);
      expect(await auth.session(`portal-app=${real.token}; portal-app=planted-by-a-sibling`, host)).toEqual(real.session);
      expect(await auth.session(`portal-app=; portal-app=x; theme=dark; portal-app=${real.token}`, host)).toEqual(real.session);
    });

    it("prefers this host's session to a valid session of another app", async () => {
      const { auth, domain, signIn } = setup(url);
      const real = await signIn(alice);
      // Mallory's own, genuine session on Mallory's app, set by Mallory's app for the whole apps domain.
      const planted = await signIn(mallory, "666");
      // And Alice's own session on her other app.
      const sibling = await signIn(alicePort);
      const host = domain.host(alice);
      expect(await auth.session(`portal-app=${planted.token}; portal-app=${sibling.token}; portal-app=${real.token}`, host)).toEqual(real.session);
    });

    it("finds nothing when only another app's session is present", async () => {
      const { auth, domain, signIn } = setup(url);
      const planted = await signIn(mallory, "666");
      const sibling = await signIn(alicePort);
      expect(await auth.session(`portal-app=${planted.token}; portal-app=${sibling.token}`, domain.host(alice))).toBeNull();
    });

    it("reads only the cookie of that exact name", async () => {
      const { auth, domain, signIn } = setup(url);
      const { token } = await signIn(alice);
      const host = domain.host(alice);
      for (const header of [
        `xportal-app=${token}`,
        `portal-app-old=${token}`,
        `portal-appx=${token}`,
        `Portal-App=${token}`,
        `__Host-portal-app=${token}`,
        `theme=portal-app=${token}`,
        `theme=x portal-app${token}`,
        `portal-app`,
        `portal-app ${token}`,
      ]) {
        expect(await auth.session(header, host), header).toBeNull();
      }
    });

    it("finds nothing without cookies, or once the session has ended", async () => {
      const { auth, domain, sessions, signIn } = setup(url);
      const { token } = await signIn(alice);
      const host = domain.host(alice);
      expect(await auth.session(undefined, host)).toBeNull();
      expect(await auth.session("", host)).toBeNull();
      await sessions.endPortalSession("portal-17", T0 + 3600_000);
      expect(await auth.session(`portal-app=${token}`, host)).toBeNull();
    });

    it("answers from memory alone only for sessions this process has seen; any other value needs the store", async () => {
      const { auth, domain, signIn } = setup(url);
      const host = domain.host(alice);
      const { token, session } = await signIn(alice);
      expect(auth.rememberedSession(`portal-app=${token}`, host)).toEqual(session);
      expect(auth.rememberedSession(`portal-app=never-seen`, host)).toBeUndefined();
      expect(auth.rememberedSession(`portal-app=never-seen; portal-app=${token}`, host)).toEqual(session);
      expect(auth.rememberedSession(`theme=dark`, host)).toBeNull();
      expect(auth.rememberedSession(`portal-app=${token}`, domain.host(alicePort))).toBeNull();
      // Memory is trusted for RECHECK_MS only: after that the store is asked again (another process may have ended it).
      now = T0 + RECHECK_MS;
      expect(auth.rememberedSession(`portal-app=${token}`, host)).toBeUndefined();
    });

    it("finds nothing once the session has expired", async () => {
      const { auth, domain, signIn } = setup(url);
      const { token } = await signIn(alice);
      now = T0 + 3600_000;
      expect(await auth.session(`portal-app=${token}`, domain.host(alice))).toBeNull();
    });
  });

  describe("over https (cookie __Host-portal-app)", () => {
    const url: AppsUrl = { protocol: "https:", suffix: ".apps-example.org", port: "" };

    it("uses the __Host- name, which no sibling can set for the whole domain", async () => {
      const { auth, domain, signIn } = setup(url);
      expect(auth.cookieName).toBe("__Host-portal-app");
      const real = await signIn(alice);
      const host = domain.host(alice);
      expect(await auth.session(`__Host-portal-app=${real.token}`, host)).toEqual(real.session);
      expect(await auth.session(`__Host-portal-app=planted; __Host-portal-app=${real.token}`, host)).toEqual(real.session);
      // The http name means nothing here.
      expect(await auth.session(`portal-app=${real.token}`, host)).toBeNull();
    });
  });
});
