import fs from "node:fs/promises";
import type { Logger } from "pino";
import { homePath, usersRoot } from "../workspace/home";
import { du } from "./home-storage";

export interface DiskUsage {
  bytes: number;
  measuredAt: Date;
}

/**
 * How much each home directory holds, measured now and then on the host (the files live there, so the measure needs
 * no running workspace): with `du` by default, or by the homes' storage's own accounting (`measure`, see
 * home-storage.ts). Measuring stops no write: where the storage does not, the hard limit holds when a workspace
 * starts.
 */
export class DiskUsageMonitor {
  private readonly usage = new Map<string, DiskUsage>();
  private timer: NodeJS.Timeout | null = null;
  /** Told of every size this process measures (to pass it to the other processes: SharedHomeSizes). */
  onMeasured: (slug: string, usage: DiskUsage) => void = () => {};

  constructor(
    private readonly dataRoot: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly measureHome: (home: string) => Promise<number> = du,
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
    const bytes = await this.measureHome(homePath(this.dataRoot, slug));
    const result = { bytes, measuredAt: new Date() };
    this.usage.set(slug, result);
    this.onMeasured(slug, result);
    return result;
  }

  /** A size another process measured: kept unless this process has a later one. */
  merge(slug: string, usage: DiskUsage): void {
    const known = this.usage.get(slug);
    if (!known || known.measuredAt < usage.measuredAt) this.usage.set(slug, usage);
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
