import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppTickets, type AppTicket } from "../../lib/apps/app-tickets";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";
import { deriveKey } from "../../lib/util/derive-key";

const SECRET = "a-portal-secret-that-is-long-enough-0123456789";
const ISSUER = "https://workspace.example.org";
const HOST = "code--alice-xakvtnsb.apps-example.org";
const SIBLING = "8000--alice-xakvtnsb.apps-example.org";
// A whole second, so "60 s later" is exactly when the ticket's exp is reached.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const ticket: AppTicket = {
  sub: "17",
  sid: "portal-session-1",
  address: { slug: "alice-xakvtnsb", app: { kind: "code" } },
  path: "/?folder=/home/alice/project",
  portalExpiresAt: T0 + 8 * 3600_000,
};

let dir: string;
let db: PortalDb;
let now: number;
const clock = () => now;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-tickets-"));
  db = openSqliteStore(dir).db;
  now = T0;
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const fromB64 = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
const spentCount = async () => (await db.selectFrom("app_tickets_used").selectAll().execute()).length;

/** A ticket signed with the portal's own ticket key but carrying whatever claims the test wants. */
function forge(claims: Record<string, unknown>, key: Uint8Array = deriveKey(SECRET, "app tickets")): Promise<string> {
  const at = Math.floor(now / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("17")
    .setIssuer(ISSUER)
    .setAudience(HOST)
    .setIssuedAt(at)
    .setExpirationTime(at + 60)
    .setJti(`forged-${Math.random()}`)
    .sign(key);
}
const goodClaims = { sid: "portal-session-1", ws: "alice-xakvtnsb", app: "code", path: "/", pexp: T0 + 3600_000 };

describe("app tickets", () => {
  it("carries the sign-in over intact: who, which portal session, which app, where to land, until when", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await tickets.issue(ticket, HOST);
    expect(await tickets.redeem(token, HOST)).toEqual({ ok: true, ticket });
  });

  it("carries a port app intact", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const portTicket: AppTicket = { ...ticket, address: { slug: "alice-xakvtnsb", app: { kind: "port", port: 8000 } }, path: "/" };
    expect(await tickets.redeem(await tickets.issue(portTicket, SIBLING), SIBLING)).toEqual({ ok: true, ticket: portTicket });
  });

  it("opens the app once: a second use is refused as used", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await tickets.issue(ticket, HOST);
    expect((await tickets.redeem(token, HOST)).ok).toBe(true);
    expect(await tickets.redeem(token, HOST)).toEqual({ ok: false, reason: "used" });
    now += 10_000;
    expect(await tickets.redeem(token, HOST)).toEqual({ ok: false, reason: "used" });
  });

  it("is spent for every process that shares the database", async () => {
    const one = new AppTickets(SECRET, ISSUER, db, clock);
    const other = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await one.issue(ticket, HOST);
    expect((await other.redeem(token, HOST)).ok).toBe(true);
    expect(await one.redeem(token, HOST)).toEqual({ ok: false, reason: "used" });
  });

  it("gives two tickets for the same app separate lives", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const first = await tickets.issue(ticket, HOST);
    const second = await tickets.issue(ticket, HOST);
    expect(first).not.toBe(second);
    expect((await tickets.redeem(first, HOST)).ok).toBe(true);
    expect((await tickets.redeem(second, HOST)).ok).toBe(true);
  });

  it("lasts a minute", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const early = await tickets.issue(ticket, HOST);
    const late = await tickets.issue(ticket, HOST);
    now = T0 + 59_999;
    expect((await tickets.redeem(early, HOST)).ok).toBe(true);
    now = T0 + 60_000;
    expect(await tickets.redeem(late, HOST)).toEqual({ ok: false, reason: "expired" });
    now = T0 + 3600_000;
    expect(await tickets.redeem(late, HOST)).toEqual({ ok: false, reason: "expired" });
  });

  it("opens only the app it was issued for", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await tickets.issue(ticket, HOST);
    expect(await tickets.redeem(token, SIBLING)).toEqual({ ok: false, reason: "wrong_app" });
    expect(await tickets.redeem(token, "code--mallory-abcdefgh.apps-example.org")).toEqual({ ok: false, reason: "wrong_app" });
    expect(await tickets.redeem(token, "workspace.example.org")).toEqual({ ok: false, reason: "wrong_app" });
  });

  it("refuses a ticket whose claims were changed", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await tickets.issue(ticket, HOST);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = fromB64(payload);
    for (const change of [{ ws: "mallory-abcdefgh" }, { sub: "18" }, { aud: SIBLING }, { exp: Number(claims.exp) + 3600 }, { path: "//evil.example" }]) {
      const tampered = `${header}.${b64({ ...claims, ...change })}.${signature}`;
      expect(await tickets.redeem(tampered, HOST), JSON.stringify(change)).toEqual({ ok: false, reason: "invalid" });
    }
    // A flipped signature bit, and a missing signature.
    const flipped = `${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    expect(await tickets.redeem(flipped, HOST)).toEqual({ ok: false, reason: "invalid" });
    expect(await tickets.redeem(`${header}.${payload}.`, HOST)).toEqual({ ok: false, reason: "invalid" });
    // The genuine ticket is still good: failed attempts did not spend it.
    expect((await tickets.redeem(token, HOST)).ok).toBe(true);
  });

  it("refuses a ticket signed with another secret, or with the secret itself rather than the ticket key", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const otherPortal = new AppTickets("another-portal-secret-that-is-long-enough-xyz", ISSUER, db, clock);
    expect(await tickets.redeem(await otherPortal.issue(ticket, HOST), HOST)).toEqual({ ok: false, reason: "invalid" });
    expect(await tickets.redeem(await forge(goodClaims, new TextEncoder().encode(SECRET)), HOST)).toEqual({ ok: false, reason: "invalid" });
    expect(await tickets.redeem(await forge(goodClaims, deriveKey(SECRET, "something else")), HOST)).toEqual({ ok: false, reason: "invalid" });
    // The same claims with the right key are fine: the refusals above are about the key alone.
    expect((await tickets.redeem(await forge(goodClaims), HOST)).ok).toBe(true);
  });

  it("refuses a ticket issued by another portal origin", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const elsewhere = new AppTickets(SECRET, "https://other.example.org", db, clock);
    expect(await tickets.redeem(await elsewhere.issue(ticket, HOST), HOST)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses an unsigned (alg: none) ticket", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const at = Math.floor(now / 1000);
    const claims = { ...goodClaims, sub: "17", iss: ISSUER, aud: HOST, iat: at, exp: at + 60, jti: "unsigned-1" };
    for (const header of [{ alg: "none" }, { alg: "none", typ: "JWT" }, { alg: "None" }, { alg: "NONE" }]) {
      const unsigned = `${b64(header)}.${b64(claims)}.`;
      expect(await tickets.redeem(unsigned, HOST), JSON.stringify(header)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("refuses a ticket signed with another algorithm", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const at = Math.floor(now / 1000);
    const token = await new SignJWT(goodClaims)
      .setProtectedHeader({ alg: "HS512" })
      .setSubject("17")
      .setIssuer(ISSUER)
      .setAudience(HOST)
      .setIssuedAt(at)
      .setExpirationTime(at + 60)
      .setJti("hs512")
      .sign(deriveKey(SECRET, "app tickets", 64));
    expect(await tickets.redeem(token, HOST)).toEqual({ ok: false, reason: "invalid" });
  });

  it.each([
    ["no portal session", { sid: undefined }],
    ["no workspace", { ws: undefined }],
    ["no app", { app: undefined }],
    ["an app that is not one", { app: "0" }],
    ["a port out of range", { app: "65536" }],
    ["an app given as a number", { app: 8000 }],
    ["no path", { path: undefined }],
    ["a portal expiry that is not a number", { pexp: "tomorrow" }],
  ])("refuses a correctly signed ticket with %s", async (_what, change) => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const claims: Record<string, unknown> = { ...goodClaims, ...change };
    for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
    expect(await tickets.redeem(await forge(claims), HOST)).toEqual({ ok: false, reason: "invalid" });
  });

  it.each(["", "garbage", "a.b.c", "..", "x".repeat(5000)])("refuses %j as invalid", async (token) => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    expect(await tickets.redeem(token, HOST)).toEqual({ ok: false, reason: "invalid" });
  });

  it("never forgets a spent ticket while it could still be used", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await tickets.issue(ticket, HOST);
    expect((await tickets.redeem(token, HOST)).ok).toBe(true);
    for (let t = T0; t <= T0 + 180_000; t += 500) {
      now = t;
      await tickets.sweep();
      const result = await tickets.redeem(token, HOST);
      expect(result.ok, `replayed ${t - T0} ms after issue`).toBe(false);
      expect(result).toEqual({ ok: false, reason: t < T0 + 60_000 ? "used" : "expired" });
    }
  });

  it("forgets spent tickets once they have expired, so the store does not grow forever", async () => {
    const tickets = new AppTickets(SECRET, ISSUER, db, clock);
    const token = await tickets.issue(ticket, HOST);
    await tickets.redeem(token, HOST);
    now = T0 + 30_000;
    const later = await tickets.issue(ticket, HOST);
    await tickets.redeem(later, HOST);
    expect((await spentCount())).toBe(2);
    now = T0 + 59_000;
    await tickets.sweep();
    expect((await spentCount())).toBe(2);
    now = T0 + 10 * 60_000;
    await tickets.sweep();
    expect((await spentCount())).toBe(0);
    expect(await tickets.redeem(token, HOST)).toEqual({ ok: false, reason: "expired" });
    expect(await tickets.redeem(later, HOST)).toEqual({ ok: false, reason: "expired" });
  });
});
