import { PassThrough, type Duplex } from "node:stream";
import type Docker from "dockerode";
import type { ExecProcess } from "../runtime";
import { demux } from "./demux";
import { translate } from "./errors";

const WAIT_POLL_MS = 25;
const WAIT_LIMIT_MS = 60_000;

/**
 * One `docker exec` attached over a hijacked connection. Without a TTY Docker multiplexes stdout and stderr on the
 * one stream, so they are split here; with a TTY the stream is the terminal itself.
 */
export class DockerExecProcess implements ExecProcess {
  readonly stdout: PassThrough | Duplex;
  readonly stderr = new PassThrough();
  readonly stdin: Duplex | null;

  constructor(
    private readonly docker: Docker,
    private readonly exec: Docker.Exec,
    private readonly stream: Duplex,
    tty: boolean,
    stdinAttached: boolean,
    private readonly endpoint = "the engine",
  ) {
    this.stdin = stdinAttached ? stream : null;
    if (tty) {
      this.stdout = stream;
      stream.once("close", () => this.stderr.end());
    } else {
      const stdout = new PassThrough();
      demux(stream, stdout, this.stderr);
      const finish = () => {
        stdout.end();
        this.stderr.end();
      };
      stream.once("end", finish);
      stream.once("close", finish);
      this.stdout = stdout;
    }
  }

  get id(): string {
    return this.exec.id;
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.exec.resize({ w: cols, h: rows });
  }

  async wait(): Promise<number> {
    if (!this.stream.destroyed && !this.stream.readableEnded) {
      await new Promise<void>((resolve) => {
        this.stream.once("close", resolve);
        this.stream.once("end", resolve);
      });
    }
    // The attach stream can end a moment before the engine records the exit; poll briefly like ContainerSSH does.
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      // An engine that does not answer (a busy or lost node) is said as such, not as a bare socket error.
      const state = await this.exec.inspect().catch((error: unknown) => {
        throw translate(error, this.endpoint, "say whether the command ended");
      });
      if (!state.Running) return state.ExitCode ?? -1;
      if (Date.now() > deadline) return -1;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  }

  detach(): void {
    this.stream.destroy();
  }
}
