import net from "node:net";
import type { Logger } from "pino";
import type { PortalUser } from "../identity/user";
import { KeyedMutex } from "../util/keyed-mutex";
import type { WorkspaceManager } from "../workspace/manager";

/** In every relay's command line: the port list and the idle stop know it is the portal's, not the user's. */
export const RELAY_MARK = "scitex-port-relay";
const READY_TIMEOUT_MS = 5000;

// Listens on the workspace's own address at the server's port (free: the server holds only 127.0.0.1's) and
// carries each connection to 127.0.0.1. It leaves by itself when the server stops listening (so a restart of the
// server on all addresses finds the port free within two seconds) or after 30 minutes without a connection.
const SCRIPT = `
import asyncio, socket, sys, time
ip, port = sys.argv[2], int(sys.argv[3])
own = socket.inet_aton(ip)[::-1].hex().upper()
last = time.monotonic()
def server_listening():
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().split("\\n")[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 3 and f[3] == "0A":
                address, hexport = f[1].split(":")
                if int(hexport, 16) == port and address != own:
                    return True
    return False
async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass
async def handle(client_reader, client_writer):
    global last
    last = time.monotonic()
    for host in ("127.0.0.1", "::1"):
        try:
            reader, writer = await asyncio.open_connection(host, port)
            break
        except OSError:
            reader = None
    if reader is None:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer))
async def main():
    server = await asyncio.start_server(handle, ip, port)
    while server_listening() and time.monotonic() - last < 1800:
        await asyncio.sleep(2)
    server.close()
asyncio.run(main())
`;

/**
 * Makes a server that listens on 127.0.0.1 only (Jupyter's, Streamlit's and TensorBoard's default) reachable by
 * the portal's proxy, through a relay in the workspace that runs as the user: nobody but the owner's app session
 * reaches it, exactly as a server on all addresses.
 */
export class PortRelays {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly workspaces: WorkspaceManager,
    private readonly log: Logger,
    private readonly connects: (host: string, port: number) => Promise<boolean> = canConnect,
  ) {}

  /** Starts the relay for `port` unless one answers already; resolves once the proxy can connect. */
  ensure(user: PortalUser, ipAddress: string, port: number): Promise<boolean> {
    return this.locks.run(`${user.sub}\0${port}`, async () => {
      if (await this.connects(ipAddress, port)) return true;
      await this.workspaces.spawn(user, { cmd: ["python3", "-c", SCRIPT, RELAY_MARK, ipAddress, String(port)] });
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        if (await this.connects(ipAddress, port)) {
          this.log.info({ user: user.username, port }, "relaying a loopback-only server");
          return true;
        }
      }
      return false;
    });
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}
