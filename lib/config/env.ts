import path from "node:path";
import { z } from "zod";
import { parseByteSize } from "./size";

const MIB = 1024 ** 2;

const byteSize = (min: number) =>
  z
    .string()
    .transform((text, ctx) => {
      const bytes = parseByteSize(text);
      if (bytes === null) {
        ctx.addIssue({ code: "custom", message: `expected a size such as 8g, 512m or 1073741824, got "${text}"` });
        return z.NEVER;
      }
      if (bytes < min) {
        ctx.addIssue({ code: "custom", message: `must be at least ${min / MIB} MiB, got "${text}"` });
        return z.NEVER;
      }
      return bytes;
    });

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const dockerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "expected letters, digits, '_', '.' or '-', starting with a letter or digit");

/** Every environment variable the portal reads, with its default. `.env.example` mirrors this list. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: integer(1, 65535).default(3000),
  PUBLIC_URL: z.url({ message: "expected an absolute URL such as http://localhost:3000" }).default("http://localhost:3000"),
  DATA_ROOT: z.string().min(1).default("./data"),
  DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
  PORTAL_INSTANCE: dockerName.max(40).default("default"),
  WORKSPACE_IMAGE: z.string().min(1).default("scitex-portal/workspace:latest"),
  WORKSPACE_NAME_PREFIX: dockerName.max(30).default("scitex-ws-"),
  WORKSPACE_NETWORK: dockerName.max(60).default("scitex-workspaces"),
  WORKSPACE_MEMORY: byteSize(64 * MIB).default(8 * 1024 * MIB),
  WORKSPACE_CPUS: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "expected a number of CPUs such as 2 or 0.5")
    .transform(Number)
    .pipe(z.number().min(0.01, "must be at least 0.01").max(1024, "must be at most 1024"))
    .default(2),
  WORKSPACE_PIDS: integer(16, 4_194_304).default(512),
  WORKSPACE_START_TIMEOUT_SECONDS: integer(1, 3600).default(60),
  WORKSPACE_STOP_TIMEOUT_SECONDS: integer(0, 600).default(10),
});

export type PortalEnv = z.output<typeof envSchema>;

export interface WorkspaceLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
}

export interface PortalConfig {
  env: PortalEnv["NODE_ENV"];
  logLevel: PortalEnv["LOG_LEVEL"];
  host: string;
  port: number;
  publicUrl: URL;
  dataRoot: string;
  dockerSocket: string;
  instance: string;
  workspace: {
    image: string;
    namePrefix: string;
    network: string;
    limits: WorkspaceLimits;
    startTimeoutMs: number;
    stopTimeoutSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment once; an empty string counts as "not set" so .env templates stay harmless. */
export function loadConfig(source: Record<string, string | undefined> = process.env): PortalConfig {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((key) => [key, source[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "environment");
        const got = present[name] === undefined ? "" : ` (got "${present[name]}")`;
        return `${name}: ${issue.message}${got}`;
      }),
    );
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    host: env.HOST,
    port: env.PORT,
    publicUrl: new URL(env.PUBLIC_URL),
    dataRoot: path.resolve(env.DATA_ROOT),
    dockerSocket: env.DOCKER_SOCKET,
    instance: env.PORTAL_INSTANCE,
    workspace: {
      image: env.WORKSPACE_IMAGE,
      namePrefix: env.WORKSPACE_NAME_PREFIX,
      network: env.WORKSPACE_NETWORK,
      limits: { memoryBytes: env.WORKSPACE_MEMORY, cpus: env.WORKSPACE_CPUS, pids: env.WORKSPACE_PIDS },
      startTimeoutMs: env.WORKSPACE_START_TIMEOUT_SECONDS * 1000,
      stopTimeoutSeconds: env.WORKSPACE_STOP_TIMEOUT_SECONDS,
    },
  };
}
