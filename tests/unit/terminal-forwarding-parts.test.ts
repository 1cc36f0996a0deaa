import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalStore } from "../../lib/store/store";
import { RelayTokens } from "../../lib/terminal/relay-token";
import { TerminalDirectory } from "../../lib/terminal/terminal-directory";

const log = pino({ level: "silent" });
const ada = { sub: "ada-sub", username: "ada", isAdmin: false, sid: "s1", expiresAt: 2_000_000_000_000 };

describe("relay tokens: one process vouching to another for a user's terminal", () => {
  it("gives back the user, terminal and holder it was signed for", () => {
    const tokens = new RelayTokens("secret-one-secret-one-secret-one-0123");
    const vouched = tokens.verify(tokens.sign(ada, "term-1", "proc-a"));
    expect(vouched).toEqual({ user: ada, terminalId: "term-1", owner: "proc-a" });
  });

  it("refuses a token of another secret, an altered one, garbage, and an expired one", () => {
    let now = 1_000_000;
    const tokens = new RelayTokens("secret-one-secret-one-secret-one-0123", () => now);
    const token = tokens.sign(ada, "term-1", "proc-a");
    expect(new RelayTokens("secret-two-secret-two-secret-two-0123", () => now).verify(token)).toBeNull();
    const [body, mac] = token.split(".") as [string, string];
    const altered = Buffer.from(Buffer.from(body, "base64url").toString().replace("term-1", "term-2")).toString("base64url");
    expect(tokens.verify(`${altered}.${mac}`)).toBeNull();
    expect(tokens.verify("e30.AAAA")).toBeNull();
    expect(tokens.verify("no-dot")).toBeNull();
    now += 31_000;
    expect(tokens.verify(token)).toBeNull();
  });
});

describe("the list of open terminals", () => {
  let dir: string;
  let store: PortalStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "terminal-directory-"));
    store = openSqliteStore(dir);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("names the holder to other processes only, and only for the terminal's own user", async () => {
    const a = new TerminalDirectory(store.db, { address: "http://10.0.0.1:3000" }, log);
    const b = new TerminalDirectory(store.db, { address: "http://10.0.0.2:3000" }, log);
    await a.opened("ada-sub", "term-1");
    expect(await b.ownerOf("ada-sub", "term-1")).toEqual({ process: a.processId, address: "http://10.0.0.1:3000" });
    expect(await a.ownerOf("ada-sub", "term-1")).toBeNull(); // its own: looked up in its memory, not here
    expect(await b.ownerOf("bo-sub", "term-1")).toBeNull();
    await b.closed("term-1"); // only the holder unlists its terminals
    expect(await b.ownerOf("ada-sub", "term-1")).not.toBeNull();
    await a.closed("term-1");
    expect(await b.ownerOf("ada-sub", "term-1")).toBeNull();
  });

  it("sweeps the rows of a process that stopped refreshing them, keeps those that are refreshed", async () => {
    let now = 1_000_000;
    const a = new TerminalDirectory(store.db, { address: "http://a", heartbeatMs: 1000, staleMs: 5000, now: () => now }, log);
    const b = new TerminalDirectory(store.db, { address: "http://b", heartbeatMs: 1000, staleMs: 5000, now: () => now }, log);
    await a.opened("ada-sub", "term-a");
    await b.opened("ada-sub", "term-b");
    for (let i = 0; i < 6; i++) {
      now += 1000;
      await b.beat(); // a is dead: it never beats again
    }
    expect(await b.ownerOf("ada-sub", "term-a")).toBeNull();
    expect(await a.ownerOf("ada-sub", "term-b")).toEqual({ process: b.processId, address: "http://b" });
  });
});
