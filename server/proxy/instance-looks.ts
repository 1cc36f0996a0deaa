import { instanceTag } from "../../lib/apps/vscode-moves";
import type { TargetDeps } from "./targets";

// Every open workbench asks every couple of seconds: one look at the workspace serves all of a user's tabs a while.
const TTL_MS = 1500;
// Entries are a few bytes each; past this many the expired ones are swept at the next look.
const SWEEP_AT = 10_000;

/** Which instance of a user's workspace runs now, as VS Code's watcher is told it (lib/apps/vscode-moves.ts). */
export class InstanceLooks {
  private readonly cache = new Map<string, { tag: string | null; until: number } | { pending: Promise<string | null> }>();

  constructor(private readonly portal: Pick<TargetDeps, "registry" | "workspaces">) {}

  tagOf(sub: string): Promise<string | null> {
    const now = Date.now();
    const entry = this.cache.get(sub);
    if (entry && "pending" in entry) return entry.pending;
    if (entry && entry.until > now) return Promise.resolve(entry.tag);
    if (this.cache.size > SWEEP_AT) for (const [key, e] of this.cache) if (!("pending" in e) && e.until <= now) this.cache.delete(key);
    const pending = this.look(sub).then(
      (tag) => {
        this.cache.set(sub, { tag, until: Date.now() + TTL_MS });
        return tag;
      },
      (error: unknown) => {
        this.cache.delete(sub);
        throw error;
      },
    );
    this.cache.set(sub, { pending });
    return pending;
  }

  private async look(sub: string): Promise<string | null> {
    const user = await this.portal.registry.bySub(sub);
    if (!user) return null;
    const status = await this.portal.workspaces.status(user);
    return status.state === "running" ? instanceTag(status.containerId) : null;
  }
}
