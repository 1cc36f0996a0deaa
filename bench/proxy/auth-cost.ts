import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AppAddress } from "../../lib/apps/app-address";
import { AppSessions } from "../../lib/apps/app-sessions";
import { AppsDomain } from "../../lib/apps/apps-domain";
import { AuthService } from "../../lib/auth/auth-service";
import { defaultAppsUrl } from "../../lib/config/apps-url";
import { SESSION_MAX_AGE_SECONDS, type AuthSettings } from "../../lib/auth/settings";
import { UserRegistry } from "../../lib/identity/registry";
import { createLogger } from "../../lib/log";
import type { Portal } from "../../lib/portal";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";
import { AppAuth } from "../../server/proxy/app-auth";
import { sessionCookie } from "../lib/fixtures";
import { median } from "../lib/stats";

export interface AuthCost {
  calls: number;
  rounds: number;
  /** Nanoseconds per call, median over rounds, of the check with its answer remembered (every request but a few). */
  appNs: number;
  portalNs: number;
  /** Cookie header lengths the two checks were given. */
  appHeaderBytes: number;
  portalHeaderBytes: number;
  /** Microseconds per call when the answer is not remembered: a SQLite lookup, against decrypting the JWE. */
  appMissUs: number;
  portalMissUs: number;
}

// Header strings are made afresh per call, as the HTTP parser makes them, in batches of this many.
const BATCH = 20_000;
const WARMUP_ROUNDS = 3;
const MISS_CALLS = 500;

/**
 * The sign-in check an app host makes on every request (`AppAuth.session`: find the app cookie in the header, a
 * remembered session for it, on this host), against the one the path proxy made before apps had hosts of their own
 * (`AuthService.rememberedUser`: the portal session remembered for the whole cookie header). Both are the real
 * classes, over a real SQLite database; the rest of a request (routing, forwarding) is in the proxy rows.
 *
 * The app check is called as the proxy calls it, with the host built from the app's address on every request.
 * Each is given a new string per call (a parsed header is one: V8 has not hashed it yet, so a map lookup keyed
 * by the whole header pays to hash it, as it did in the path proxy), made outside the timed loop. Rounds alternate
 * which check goes first, so neither always runs on the warmer cache.
 */
export async function measureAuthCost(options: {
  calls: number;
  /** The measured run's portal, its AUTH_SECRET, VS Code's host there and the owner's portal cookie. */
  portalUrl: string;
  secret: string;
  appHost: string;
  portalCookie: string;
}): Promise<AuthCost> {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), "bench-auth-cost-"));
  const db = openSqliteStore(dataRoot).db;
  try {
    const registry = new UserRegistry(db);
    const apps = defaultAppsUrl(new URL(options.portalUrl));
    if (!apps) throw new Error(`${options.portalUrl} has no default apps domain`);
    const domain = new AppsDomain(apps);
    const address = domain.addressOf(options.appHost);
    if (!address) throw new Error(`${options.appHost} is not an app host of ${options.portalUrl}`);

    // The app host's check, with a session of its own in this database (the token is as long as the run's).
    const sessions = new AppSessions(db);
    const appAuth = new AppAuth({ apps: { domain, sessions } } as unknown as Portal);
    const sub = "bench-auth-cost";
    const made = await sessions.create({ sub, host: domain.host(address), portalSid: "bench-sid", portalExpiresAt: Date.now() + 24 * 3600_000 });
    const appHeader = `${appAuth.cookieName}=${made.token}`;

    // The path proxy's check, given the very portal cookie header the run's clients send.
    const settings: AuthSettings = {
      secret: options.secret,
      providerName: "bench",
      devProvider: false,
      oidc: { issuer: "http://127.0.0.1:9/o", clientId: "bench", clientSecret: "bench", scopes: "openid" },
      secureCookies: false,
      admin: { subjects: [], usernames: [], claim: null },
      sessionMaxAgeSeconds: SESSION_MAX_AGE_SECONDS,
    };
    const auth = new AuthService(settings, registry, createLogger("silent"));
    const portalHeader = options.portalCookie;
    if (!(await auth.userFromCookieHeader(portalHeader))) throw new Error("the portal session check refused the run's cookie");

    // What the proxy's hot path asks: memory alone, no promise (a miss is measured below, through the store).
    const appCheck = (header: string) => appAuth.rememberedSession(header, domain.host(address)) != null;
    const portalCheck = (header: string) => Boolean(auth.rememberedUser(header));
    const rounds = Math.max(5, Math.ceil(options.calls / BATCH));
    const appTimes: number[] = [];
    const portalTimes: number[] = [];
    for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
      const appHeaders = fresh(appHeader, BATCH);
      const portalHeaders = fresh(portalHeader, BATCH);
      const order = round % 2 === 0 ? ["app", "portal"] : ["portal", "app"];
      for (const which of order) {
        const ns = which === "app" ? nsPerCall(appHeaders, appCheck) : nsPerCall(portalHeaders, portalCheck);
        if (round >= WARMUP_ROUNDS) (which === "app" ? appTimes : portalTimes).push(ns);
      }
    }

    return {
      calls: rounds * BATCH,
      rounds,
      appNs: median(appTimes),
      portalNs: median(portalTimes),
      appHeaderBytes: appHeader.length,
      portalHeaderBytes: portalHeader.length,
      appMissUs: await appMiss(db, sessions, domain, address, sub),
      portalMissUs: await portalMiss(settings, registry, sub),
    };
  } finally {
    await db.destroy();
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
}

/** `count` equal strings that share nothing with each other or with `text` (no hash computed yet). */
function fresh(text: string, count: number): string[] {
  const bytes = Buffer.from(text, "latin1");
  return Array.from({ length: count }, () => bytes.toString("latin1"));
}

function nsPerCall(headers: string[], check: (header: string) => boolean): number {
  let accepted = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < headers.length; i++) if (check(headers[i]!)) accepted++;
  const ns = Number(process.hrtime.bigint() - start);
  // Also what keeps the calls from being optimised away: their answers are used.
  if (accepted !== headers.length) throw new Error(`a check refused ${headers.length - accepted} valid cookies`);
  return ns / headers.length;
}

/**
 * A session this process has not seen (another process made it, or 30 s have passed since it last asked): read
 * from SQLite. Sessions made by one AppSessions are looked up through a second one over the same database.
 */
async function appMiss(db: PortalDb, maker: AppSessions, domain: AppsDomain, address: AppAddress, sub: string): Promise<number> {
  const host = domain.host(address);
  const reader = new AppAuth({ apps: { domain, sessions: new AppSessions(db) } } as unknown as Portal);
  const headers: string[] = [];
  for (let i = 0; i < MISS_CALLS; i++) {
    const { token } = await maker.create({ sub, host, portalSid: `bench-miss-${i}`, portalExpiresAt: Date.now() + 3600_000 });
    headers.push(`${reader.cookieName}=${token}`);
  }
  const start = process.hrtime.bigint();
  for (const header of headers) if (!(await reader.session(header, host))) throw new Error("a stored app session was not found");
  return Number(process.hrtime.bigint() - start) / MISS_CALLS / 1000;
}

/** A portal cookie not yet remembered (a new one, or 60 s on): decrypted and checked. */
async function portalMiss(settings: AuthSettings, registry: UserRegistry, sub: string): Promise<number> {
  const auth = new AuthService(settings, registry, createLogger("silent"));
  const headers: string[] = [];
  for (let i = 0; i < MISS_CALLS; i++) headers.push(await sessionCookie(settings.secret, { sub, username: "bench" }));
  const start = process.hrtime.bigint();
  for (const header of headers) if (!(await auth.userFromCookieHeader(header))) throw new Error("a portal cookie was refused");
  return Number(process.hrtime.bigint() - start) / MISS_CALLS / 1000;
}
