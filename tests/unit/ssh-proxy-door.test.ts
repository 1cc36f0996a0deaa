import net from "node:net";
import { PassThrough } from "node:stream";
import type { Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseProxySources, proxySourceMatcher } from "../../lib/ssh/proxy-sources";
import { proxyProtocolDoor, ProxyHeaderError, takeProxyHeader } from "../../server/ssh/proxy-door";
import { v2Local, v2Tcp4 } from "../support/proxy-header-bytes";

const BANNER = Buffer.from("SSH-2.0-OpenSSH_9.2\r\n");

/** Reads what the socket delivers from now on, as ssh2 does (its own data listener, then resume). */
const delivered = (socket: net.Socket | PassThrough, bytes: number) =>
  new Promise<Buffer>((resolve) => {
    let got = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= bytes) resolve(got);
    });
    socket.resume();
  });

describe("taking a PROXY header off a socket", () => {
  it("reads a header that arrives a few bytes at a time, and keeps the bytes after it for SSH", async () => {
    const socket = new PassThrough();
    const taken = takeProxyHeader(socket as unknown as net.Socket);
    const header = v2Tcp4([203, 0, 113, 5], 50000);
    const stream = Buffer.concat([header, BANNER]);
    // Chunks that cut the header's fixed part, its addresses, and the header from the banner.
    for (const [from, to] of [[0, 5], [5, 14], [14, 20], [20, header.length + 3], [header.length + 3, stream.length]]) socket.write(stream.subarray(from, to));
    expect(await taken).toEqual({ kind: "client", address: "203.0.113.5", port: 50000, family: "IPv4" });
    expect((await delivered(socket, BANNER.length)).equals(BANNER)).toBe(true);
  });

  it("refuses garbage, a header past its bound, and silence past the deadline", async () => {
    const refusal = (bytes: Buffer | null, deadlineMs = 5_000) => {
      const socket = new PassThrough();
      const taken = takeProxyHeader(socket as unknown as net.Socket, deadlineMs).then(
        () => "taken",
        (error: ProxyHeaderError) => error.refusal,
      );
      if (bytes) socket.write(bytes);
      return taken;
    };
    expect(await refusal(BANNER)).toBe("invalid");
    expect(await refusal(Buffer.from(`PROXY TCP4 ${"9".repeat(200)}`))).toBe("too long");
    expect(await refusal(null, 20)).toBe("deadline");
  });
});

describe("the gateway's door with trusted load balancers", () => {
  const servers: net.Server[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));
  const warnings: unknown[] = [];
  const log = { warn: (fields: unknown) => warnings.push(fields) } as unknown as Logger;

  /** A listener behind the door; `admitted` gets each socket the door lets through, as the admission would. */
  async function door(trustedList: string) {
    const admitted: net.Socket[] = [];
    const waiters: Array<(s: net.Socket) => void> = [];
    const sources = parseProxySources(trustedList);
    if (typeof sources === "string") throw new Error(sources);
    const reasons: string[] = [];
    const admit = (socket: net.Socket) => (waiters.shift() ?? ((s: net.Socket) => admitted.push(s)))(socket);
    const gate = proxyProtocolDoor(proxySourceMatcher(sources), admit, log, (reason) => reasons.push(reason));
    const server = net.createServer((socket) => gate.accept(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const next = () => new Promise<net.Socket>((resolve) => (admitted.length ? resolve(admitted.shift()!) : waiters.push(resolve)));
    const connect = (bytes: Buffer) => {
      const client = net.connect(port, "127.0.0.1", () => client.write(bytes));
      client.on("error", () => {});
      return client;
    };
    return { next, connect, refused: gate.refused, reasons };
  }

  it("gives the admission the client's address from the header, and the SSH bytes after it", async () => {
    const gate = await door("127.0.0.1");
    const client = gate.connect(Buffer.concat([v2Tcp4([203, 0, 113, 5], 50000), BANNER]));
    const socket = await gate.next();
    expect([socket.remoteAddress, socket.remotePort, socket.remoteFamily]).toEqual(["203.0.113.5", 50000, "IPv4"]);
    expect((await delivered(socket, BANNER.length)).equals(BANNER)).toBe(true);
    client.destroy();
  });

  it("lets a balancer's health check (v2 LOCAL) through as the balancer itself", async () => {
    const gate = await door("127.0.0.0/8");
    const client = gate.connect(Buffer.concat([v2Local(), BANNER]));
    const socket = await gate.next();
    expect(socket.remoteAddress).toBe("127.0.0.1");
    expect((await delivered(socket, BANNER.length)).equals(BANNER)).toBe(true);
    client.destroy();
  });

  it("closes a trusted connection without a valid header, and counts it without its bytes", async () => {
    warnings.length = 0;
    const gate = await door("127.0.0.1");
    const client = gate.connect(Buffer.from("SSH-2.0-secret-looking-bytes\r\n"));
    await new Promise((resolve) => client.once("close", resolve));
    expect(gate.refused()).toBe(1);
    expect(gate.reasons).toEqual(["invalid"]);
    expect(warnings).toEqual([{ balancer: "127.0.0.1", reason: "invalid", refused: 1 }]);
  });

  it("never reads a header from an untrusted peer: its bytes, header-like or not, go to SSH as sent", async () => {
    const gate = await door("10.0.0.20");
    const claim = Buffer.concat([v2Tcp4([203, 0, 113, 5], 50000), BANNER]);
    const client = gate.connect(claim);
    const socket = await gate.next();
    expect(socket.remoteAddress).toBe("127.0.0.1");
    expect((await delivered(socket, claim.length)).equals(claim)).toBe(true);
    client.destroy();
  });
});
