import { describe, expect, it } from "vitest";
import { readProxyHeader, V1_MAX_BYTES } from "../../lib/ssh/proxy-header";
import { V2_PROXY as PROXY, V2_SIGNATURE as SIGNATURE, v2Header, v2Local, v2Tcp4, v2Tcp6 } from "../support/proxy-header-bytes";

const SSH_BANNER = Buffer.from("SSH-2.0-OpenSSH_9.2\r\n");

describe("reading a PROXY header", () => {
  it("reads v1 TCP4 and TCP6, and says where the client's own bytes begin", () => {
    const line = "PROXY TCP4 192.0.2.7 10.0.0.20 51234 2200\r\n";
    expect(readProxyHeader(Buffer.concat([Buffer.from(line), SSH_BANNER]))).toEqual({
      kind: "header",
      peer: { kind: "client", address: "192.0.2.7", port: 51234, family: "IPv4" },
      length: line.length,
    });
    expect(readProxyHeader(Buffer.from("PROXY TCP6 2001:DB8::7 fd00::1 4000 2200\r\n"))).toMatchObject({
      peer: { kind: "client", address: "2001:db8::7", port: 4000, family: "IPv6" },
    });
    // A mapped IPv4 client is its IPv4 address, as the gateway counts it when it comes directly.
    expect(readProxyHeader(Buffer.from("PROXY TCP6 ::ffff:192.0.2.7 ::ffff:10.0.0.20 4000 2200\r\n"))).toMatchObject({
      peer: { kind: "client", address: "192.0.2.7", family: "IPv4" },
    });
  });

  it("reads v2 over IPv4 and IPv6, skipping TLVs it does not need", () => {
    const header = v2Tcp4([198, 51, 100, 9], 40000);
    expect(readProxyHeader(Buffer.concat([header, SSH_BANNER]))).toEqual({
      kind: "header",
      peer: { kind: "client", address: "198.51.100.9", port: 40000, family: "IPv4" },
      length: header.length,
    });
    const v6 = v2Tcp6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42], 443);
    expect(readProxyHeader(v6)).toMatchObject({ peer: { address: "2001:db8::42", port: 443, family: "IPv6" } });
    const withTlv = v2Header(PROXY, 0x11, Buffer.from([198, 51, 100, 9, 127, 0, 0, 1, 0, 80, 0, 22, 0x04, 0, 2, 0xab, 0xcd]));
    expect(readProxyHeader(Buffer.concat([withTlv, SSH_BANNER]))).toMatchObject({ peer: { address: "198.51.100.9", port: 80 }, length: withTlv.length });
  });

  it("takes v2 LOCAL and v1 UNKNOWN (a balancer's own health check) as no client", () => {
    expect(readProxyHeader(v2Local())).toEqual({ kind: "header", peer: { kind: "local" }, length: 16 });
    expect(readProxyHeader(Buffer.from("PROXY UNKNOWN\r\nSSH"))).toEqual({ kind: "header", peer: { kind: "local" }, length: 15 });
    expect(readProxyHeader(Buffer.from("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"))).toMatchObject({ peer: { kind: "local" } });
  });

  it("waits for more bytes while every prefix could still be a header", () => {
    for (const header of [Buffer.from("PROXY TCP4 192.0.2.7 10.0.0.20 51234 2200\r\n"), v2Tcp4([198, 51, 100, 9], 40000)]) {
      for (let cut = 0; cut < header.length; cut++) expect(readProxyHeader(header.subarray(0, cut))).toEqual({ kind: "incomplete" });
    }
  });

  it("refuses what is not a header at all, or a malformed one", () => {
    for (const bytes of [
      SSH_BANNER,
      Buffer.from("GET / HTTP/1.1\r\n"),
      Buffer.from("PROXY TCP4 not-an-address 10.0.0.20 1 2\r\n"),
      Buffer.from("PROXY TCP4 192.0.2.7 10.0.0.20 99999 2200\r\n"),
      Buffer.from("PROXY TCP4 2001:db8::1 10.0.0.20 1 2\r\n"),
      Buffer.from("PROXY TCP5 192.0.2.7 10.0.0.20 1 2\r\n"),
      Buffer.from("PROXY TCP4 192.0.2.7\r\n"),
      v2Header(PROXY, 0x11, Buffer.from([1, 2, 3])), // shorter than its IPv4 addresses
      v2Header(PROXY, 0x31, Buffer.alloc(216)), // a UNIX socket client: no address to count
      Buffer.concat([SIGNATURE, Buffer.from([0x11, 0x11, 0, 12]), Buffer.alloc(12)]), // version 1 in a v2 frame
    ]) {
      expect(readProxyHeader(bytes), bytes.toString("latin1")).toMatchObject({ kind: "invalid" });
    }
  });

  it("refuses a header past its bound instead of waiting for more", () => {
    expect(readProxyHeader(Buffer.from(`PROXY TCP4 ${"1".repeat(V1_MAX_BYTES)}`))).toEqual({ kind: "invalid", reason: "v1 header too long" });
    const huge = Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    expect(readProxyHeader(huge)).toEqual({ kind: "invalid", reason: "v2 header too long" });
  });
});
