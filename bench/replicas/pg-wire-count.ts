import net from "node:net";

/** PostgreSQL's SSLRequest and GSSENCRequest codes: answered with one byte, then the real startup message follows. */
const NEGOTIATION_CODES = new Set([80877103, 80877104]);

/**
 * A TCP relay in front of PostgreSQL that counts the round trips its clients ask for: each simple Query ('Q') and
 * each Sync ('S', the end of an extended-protocol batch: Parse/Bind/Execute… then one wait for the answers) is one
 * trip to the server and back. Bytes pass unchanged; only the client's side is read.
 */
export async function pgWireCounter(target: { host: string; port: number }): Promise<{ port: number; trips(): number; close(): Promise<void> }> {
  let trips = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let buffered = Buffer.alloc(0);
    let untyped = true; // the startup message (and SSL/GSS negotiation before it) has no type byte
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (untyped) {
          if (buffered.length < 8) break;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) break;
          untyped = NEGOTIATION_CODES.has(buffered.readInt32BE(4));
          buffered = buffered.subarray(length);
        } else {
          if (buffered.length < 5) break;
          const length = buffered.readInt32BE(1);
          if (buffered.length < 1 + length) break;
          const type = String.fromCharCode(buffered[0]!);
          if (type === "Q" || type === "S") trips += 1;
          buffered = buffered.subarray(1 + length);
        }
      }
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    trips: () => trips,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
