import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { closeTogether } from "../../server/proxy/close-together";

/** A connected pair of real sockets; the far end keeps its side open after a FIN unless told otherwise. */
async function socketPair(nearHalfOpen = true): Promise<{ near: net.Socket; far: net.Socket; server: net.Server }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const near = net.connect({ port: (server.address() as net.AddressInfo).port, host: "127.0.0.1", allowHalfOpen: nearHalfOpen });
  const far = await accepted;
  await new Promise((resolve) => (near.connecting ? near.once("connect", resolve) : resolve(null)));
  return { near, far, server };
}

const closed = (socket: net.Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));

describe("closeTogether (the two ends of a proxied WebSocket)", () => {
  const servers: net.Server[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it("closes both ends when the browser half-closes and the upstream never answers with its own close", async () => {
    const browser = await socketPair(); // near: the browser, far: the portal's side of it
    const upstream = await socketPair(); // near: the portal's upstream socket, far: code-server
    servers.push(browser.server, upstream.server);
    closeTogether(browser.far, upstream.near, 200);
    upstream.far.on("end", () => undefined); // code-server: reads the FIN, never closes
    const started = performance.now();
    browser.near.end();
    await Promise.all([closed(browser.far), closed(upstream.near)]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    upstream.far.destroy();
  });

  it("closes the browser's end at once when the upstream connection is gone", async () => {
    const browser = await socketPair();
    const upstream = await socketPair(false); // as http.request makes them: closed once the peer's FIN is read
    servers.push(browser.server, upstream.server);
    closeTogether(browser.far, upstream.near, 60_000);
    upstream.far.destroy();
    upstream.near.resume();
    await closed(browser.far);
    expect(browser.far.destroyed).toBe(true);
  });
});
