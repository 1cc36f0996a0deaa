import { execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real OpenSSH client (ssh, scp, sftp, rsync) pointed at a portal's gateway, with its own keys and known_hosts. */
export class SshClient {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-client-"));
  readonly knownHosts = path.join(this.dir, "known_hosts");

  constructor(readonly port: number) {}

  /** A fresh ed25519 key pair; returns the private key's path (the .pub is beside it). */
  newKey(name: string): string {
    const file = path.join(this.dir, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@test`, "-f", file]);
    return file;
  }

  publicKey(keyFile: string): string {
    return fs.readFileSync(`${keyFile}.pub`, "utf8");
  }

  /**
   * Options shared by ssh, scp, sftp and rsync's ssh. `logLevel` INFO is what users have: it shows the
   * gateway's browser-approval instructions.
   */
  options(keyFile?: string, batch = true, logLevel = "ERROR"): string[] {
    return [
      "-o", `UserKnownHostsFile=${this.knownHosts}`,
      "-o", "StrictHostKeyChecking=accept-new",
      "-o", "IdentitiesOnly=yes",
      "-o", "IdentityAgent=none",
      "-o", "ConnectTimeout=20",
      "-o", `LogLevel=${logLevel}`,
      ...(batch ? ["-o", "BatchMode=yes"] : []),
      ...(keyFile ? ["-i", keyFile] : ["-o", "PubkeyAuthentication=no"]),
    ];
  }

  ssh(user: string, keyFile: string | undefined, args: string[], input?: string | Buffer, timeoutMs = 60_000, extra: string[] = []): Promise<SshResult> {
    return run("ssh", [...this.options(keyFile), ...extra, "-p", String(this.port), `${user}@127.0.0.1`, ...args], input, timeoutMs);
  }

  /** ssh with exactly these arguments (options included), as a user would type them. */
  sshArgs(args: string[], timeoutMs = 60_000): Promise<SshResult> {
    return run("ssh", args, undefined, timeoutMs);
  }

  scp(keyFile: string, args: string[]): Promise<SshResult> {
    return run("scp", [...this.options(keyFile), "-P", String(this.port), ...args]);
  }

  sftp(keyFile: string, user: string, batch: string): Promise<SshResult> {
    const batchFile = path.join(this.dir, `batch-${Date.now()}`);
    fs.writeFileSync(batchFile, batch);
    return run("sftp", [...this.options(keyFile), "-P", String(this.port), "-b", batchFile, `${user}@127.0.0.1`]);
  }

  rsync(keyFile: string, args: string[]): Promise<SshResult> {
    const sshCommand = ["ssh", ...this.options(keyFile), "-p", String(this.port)].join(" ");
    return run("rsync", ["-e", sshCommand, ...args]);
  }

  /** A long-running ssh (e.g. `-N -L …`) to stop later. */
  background(user: string, keyFile: string, args: string[]) {
    const child = spawn("ssh", [...this.options(keyFile), "-p", String(this.port), `${user}@127.0.0.1`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    return { child, stderr: () => stderr, stop: () => child.kill("SIGTERM") };
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], input?: string | Buffer, timeoutMs = 120_000): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: "buffer", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 255) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}
