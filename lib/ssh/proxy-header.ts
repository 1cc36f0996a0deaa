import { isIP, SocketAddress } from "node:net";
import { AddressFamilyType, Command, IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from "proxy-protocol-js";
import { plainAddress } from "./proxy-sources";

/**
 * A PROXY protocol header (https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt), v1 text or v2 binary, as
 * a load balancer sends it before the client's own bytes. proxy-protocol-js decodes a whole header; what it does
 * not do is said here: find where a header ends in a stream (and refuse one past a small bound), check what it
 * decoded (ports, address text), and read v1's `UNKNOWN`.
 */

/** Where the client really is, or `local`: the balancer speaks for itself (v2 LOCAL, v1 UNKNOWN: its health checks). */
export type ProxiedPeer = { kind: "client"; address: string; port: number; family: "IPv4" | "IPv6" } | { kind: "local" };

export type HeaderReading =
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  | { kind: "header"; peer: ProxiedPeer; length: number };

/** A v1 line is at most 107 bytes (the spec's own bound). */
export const V1_MAX_BYTES = 107;
/** v2: 16 bytes and its addresses (36 for IPv6), with room for a few TLVs (HAProxy's proxy-v2-options). */
export const V2_MAX_BYTES = 512;

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_SIGNATURE = Buffer.from("PROXY ");

const startsLike = (bytes: Buffer, signature: Buffer) => bytes.subarray(0, signature.length).equals(signature.subarray(0, Math.min(bytes.length, signature.length)));

/** Reads the bytes received so far: a whole header and its length, not yet enough bytes, or not a header. */
export function readProxyHeader(bytes: Buffer): HeaderReading {
  if (bytes.length === 0) return { kind: "incomplete" };
  if (startsLike(bytes, V2_SIGNATURE)) return readV2(bytes);
  if (startsLike(bytes, V1_SIGNATURE)) return readV1(bytes);
  return { kind: "invalid", reason: "no PROXY header" };
}

function readV1(bytes: Buffer): HeaderReading {
  const end = bytes.subarray(0, V1_MAX_BYTES).indexOf("\r\n");
  if (end < 0) return bytes.length >= V1_MAX_BYTES ? { kind: "invalid", reason: "v1 header too long" } : { kind: "incomplete" };
  const length = end + 2;
  const line = bytes.subarray(0, end).toString("latin1");
  if (line === "PROXY UNKNOWN" || line.startsWith("PROXY UNKNOWN ")) return { kind: "header", peer: { kind: "local" }, length };
  let parsed: V1ProxyProtocol;
  try {
    parsed = V1ProxyProtocol.parse(`${line}\r\n`);
  } catch {
    return { kind: "invalid", reason: "malformed v1 header" };
  }
  const family = String(parsed.inetProtocol) === "TCP4" ? 4 : 6;
  const { ipAddress, port } = parsed.source;
  if (isIP(ipAddress) !== family || !validPort(port) || !validPort(parsed.destination.port) || isIP(parsed.destination.ipAddress) !== family) {
    return { kind: "invalid", reason: "malformed v1 header" };
  }
  return { kind: "header", peer: client(ipAddress, port), length };
}

function readV2(bytes: Buffer): HeaderReading {
  if (bytes.length < 16) return { kind: "incomplete" };
  const length = 16 + bytes.readUInt16BE(14);
  if (length > V2_MAX_BYTES) return { kind: "invalid", reason: "v2 header too long" };
  if (bytes.length < length) return { kind: "incomplete" };
  let parsed: V2ProxyProtocol;
  try {
    // Its own bytes only: the library takes whatever follows the addresses as TLVs/data.
    parsed = V2ProxyProtocol.parse(new Uint8Array(bytes.subarray(0, length)));
  } catch {
    return { kind: "invalid", reason: "malformed v2 header" };
  }
  if (parsed.command === Command.LOCAL) return { kind: "header", peer: { kind: "local" }, length };
  const address = parsed.proxyAddress;
  if (parsed.addressFamilyType === AddressFamilyType.INET && address instanceof IPv4ProxyAddress) {
    return { kind: "header", peer: client(address.sourceAddress.address.join("."), address.sourcePort), length };
  }
  if (parsed.addressFamilyType === AddressFamilyType.INET6 && address instanceof IPv6ProxyAddress) {
    return { kind: "header", peer: client(ipv6Text(address.sourceAddress.address), address.sourcePort), length };
  }
  // PROXY over UNIX sockets or an unspecified family names no address the gateway could count a client by.
  return { kind: "invalid", reason: "v2 header names no IP client" };
}

const validPort = (port: number) => Number.isInteger(port) && port >= 0 && port <= 65535;

function client(address: string, port: number): ProxiedPeer {
  const plain = plainAddress(address);
  return { kind: "client", address: plain, port, family: isIP(plain) === 4 ? "IPv4" : "IPv6" };
}

/** Sixteen bytes as Node itself writes an IPv6 peer (compressed, lowercase). */
function ipv6Text(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new SocketAddress({ address: groups.join(":"), family: "ipv6" }).address;
}
