import fs from "node:fs";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import { OutputHub, type BenchTerminal, type Chunk, type EngineAddress, type TerminalSize } from "./bench-terminal";
import { interruptAndExit } from "./wait-for-output";

/** The login shell every stack runs, as the portal does: in the user's home, with a 256-colour TERM. */
export const SHELL_EXEC = {
  Cmd: ["bash", "-l"],
  WorkingDir: "/home/user",
  Env: ["TERM=xterm-256color", "COLORTERM=truecolor", "LANG=C.UTF-8"],
};

/** A TTY exec on the Docker Engine API with no web layer at all: the ceiling of the path the portal builds on. */
export class DockerTerminal implements BenchTerminal {
  readonly kind = "docker" as const;
  private readonly hub = new OutputHub();
  private flowing = false;

  private constructor(private readonly stream: Duplex) {
    stream.on("error", () => undefined); // a destroyed stream at close is expected
    stream.pause();
  }

  static async open(engine: EngineAddress, containerId: string, size: TerminalSize): Promise<DockerTerminal> {
    const docker = engineClient(engine);
    const container = docker.getContainer(containerId);
    const exec = await container.exec({
      ...SHELL_EXEC,
      // The workspace's own uid:gid, as the portal runs it (a name would resolve in the image's passwd).
      User: (await container.inspect()).Config.User,
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    const terminal = new DockerTerminal(stream);
    await exec.resize({ w: size.cols, h: size.rows });
    return terminal;
  }

  send(data: string): void {
    this.stream.write(data);
  }

  /** The stream stays paused until the first listener, so the first prompt cannot go by before anyone reads. */
  onOutput(listener: (chunk: Chunk) => void): () => void {
    const off = this.hub.on(listener);
    if (!this.flowing) {
      this.flowing = true;
      this.stream.on("data", (chunk: Buffer) => this.hub.emit(chunk));
      this.stream.resume();
    }
    return off;
  }

  /** Dropping the connection would leave the shell running inside (moby#9098): interrupt and end it first. */
  async close(): Promise<void> {
    if (!this.stream.destroyed) {
      const ended = new Promise<void>((resolve) => {
        this.stream.once("end", () => resolve());
        this.stream.once("close", () => resolve());
      });
      await interruptAndExit(this, ended);
    }
    this.stream.destroy();
  }
}

/** A client of the engine at `address`: over its socket, or over TCP with the client certificate. */
export function engineClient(address: EngineAddress): Docker {
  if ("socketPath" in address) return new Docker({ socketPath: address.socketPath });
  const read = (file: string) => fs.readFileSync(file);
  return new Docker({ host: address.host, port: address.port, protocol: "https", ca: read(address.tls.ca), cert: read(address.tls.cert), key: read(address.tls.key) });
}
