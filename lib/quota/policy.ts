import fs from "node:fs";
import { z } from "zod";
import type { WorkspaceLimits } from "../config/env";
import { parseByteSize } from "../config/size";

const size = z.string().refine((s) => parseByteSize(s) !== null, { message: "expected a size such as 16g or 512m" }).transform((s) => parseByteSize(s)!);

const quotaSchema = z
  .object({
    memory: size.optional(),
    cpus: z.number().min(0.01).max(1024).optional(),
    pids: z.number().int().min(16).max(4_194_304).optional(),
    diskSoft: size.optional(),
    diskHard: size.optional(),
  })
  .strict();

const fileSchema = z
  .object({
    default: quotaSchema.optional(),
    groups: z.record(z.string(), quotaSchema).optional(),
    users: z.record(z.string(), quotaSchema).optional(),
  })
  .strict();

export type QuotaFile = z.output<typeof fileSchema>;

export interface UserQuota {
  limits: WorkspaceLimits;
  /** Home directory sizes: a warning above soft, no new starts above hard; null means no limit. */
  diskSoftBytes: number | null;
  diskHardBytes: number | null;
}

/**
 * Who gets which resources: the portal's defaults, then the file's `default`, then each of the user's groups (in
 * the file's order; later wins), then the user's own entry.
 */
export class QuotaPolicy {
  constructor(
    private readonly base: WorkspaceLimits,
    private readonly file: QuotaFile = {},
  ) {}

  static load(base: WorkspaceLimits, path: string | null): QuotaPolicy {
    if (!path) return new QuotaPolicy(base);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(path, "utf8"));
    } catch (error) {
      throw new Error(`QUOTAS_FILE ${path} could not be read as JSON: ${(error as Error).message}`);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
      throw new Error(`QUOTAS_FILE ${path} is not valid: ${problems}`);
    }
    return new QuotaPolicy(base, parsed.data);
  }

  for(user: { username: string; groups?: string[] }): UserQuota {
    const layers = [
      this.file.default,
      ...Object.entries(this.file.groups ?? {})
        .filter(([group]) => user.groups?.includes(group))
        .map(([, quota]) => quota),
      this.file.users?.[user.username],
    ];
    const merged = Object.assign({}, ...layers.filter(Boolean)) as z.output<typeof quotaSchema>;
    return {
      limits: {
        memoryBytes: merged.memory ?? this.base.memoryBytes,
        cpus: merged.cpus ?? this.base.cpus,
        pids: merged.pids ?? this.base.pids,
      },
      diskSoftBytes: merged.diskSoft ?? null,
      diskHardBytes: merged.diskHard ?? null,
    };
  }
}
