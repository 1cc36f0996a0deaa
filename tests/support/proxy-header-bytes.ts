/** PROXY protocol v2 headers as HAProxy's send-proxy-v2 writes them, built by hand (not by the parser under test). */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
export const V2_PROXY = 0x1;
export const V2_LOCAL = 0x0;

export function v2Header(command: number, familyAndTransport: number, body: Buffer): Buffer {
  const head = Buffer.alloc(16);
  V2_SIGNATURE.copy(head);
  head[12] = 0x20 | command;
  head[13] = familyAndTransport;
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, body]);
}

/** TCP over IPv4 from `source`:`port` to 127.0.0.1:2200. */
export const v2Tcp4 = (source: number[], port: number) =>
  v2Header(V2_PROXY, 0x11, Buffer.from([...source, 127, 0, 0, 1, port >> 8, port & 255, 0x08, 0x98]));

/** TCP over IPv6 from `source` (16 bytes):`port` to ::1 port 2200. */
export const v2Tcp6 = (source: number[], port: number) =>
  v2Header(V2_PROXY, 0x21, Buffer.from([...source, ...new Array(15).fill(0), 1, port >> 8, port & 255, 0x08, 0x98]));

/** What HAProxy sends on its own health checks. */
export const v2Local = () => v2Header(V2_LOCAL, 0x00, Buffer.alloc(0));
