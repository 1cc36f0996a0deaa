import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import type { Logger } from "pino";
import { homePath, usersRoot } from "../workspace/home";

export interface DiskUsage {
  bytes: number;
  measuredAt: Date;
}

/**
 * How much each home directory holds, measured now and then with `du` on the host (the files live there, so the
 * measure needs no running workspace). Bind-mounted directories have no filesystem quota of their own, so this
 * measures; it cannot stop a write. The hard limit is enforced when a workspace starts.
 */
export class DiskUsageMonitor {
  private readonly usage = new Map<string, DiskUsage>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataRoot: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  get(slug: string): DiskUsage | undefined {
    return this.usage.get(slug);
  }

  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    void this.scanAll();
    this.timer = setInterval(() => void this.scanAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Measures one home now (e.g. before deciding whether it may start). */
  async measure(slug: string): Promise<DiskUsage> {
    const bytes = await du(homePath(this.dataRoot, slug));
    const result = { bytes, measuredAt: new Date() };
    this.usage.set(slug, result);
    return result;
  }

  async scanAll(): Promise<void> {
    let slugs: string[];
    try {
      slugs = await fs.readdir(usersRoot(this.dataRoot));
    } catch {
      return; // no homes yet
    }
    for (const slug of slugs) {
      try {
        await this.measure(slug);
      } catch (error) {
        this.log.debug({ err: error, slug }, "disk usage not measured");
      }
    }
  }
}

function du(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // -s one total, -k kibibytes (portable), -x stay on this filesystem.
    execFile("du", ["-skx", dir], { timeout: 120_000 }, (error, stdout) => {
      const kib = Number(stdout.split(/\s+/)[0]);
      if (error && !Number.isFinite(kib)) return reject(error);
      resolve(kib * 1024); // du exits non-zero on unreadable files but still prints a total
    });
  });
}
