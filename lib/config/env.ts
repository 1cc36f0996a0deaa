import fs from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { defaultAppsUrl, parseAppsUrl, sameSiteProblem, type AppsUrl } from "./apps-url";
import { parseEgressPolicy, type EgressPolicy } from "../network/egress-rules";
import { parseByteSize } from "./size";
import { parseProxySources, type ProxySource } from "../ssh/proxy-sources";

const MIB = 1024 ** 2;
const PROXIES_EXPECTED = "expected IP addresses separated by commas, e.g. 127.0.0.1,10.0.0.2";

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

/** A decimal number such as 0.5 within [min, max]; the message offers `example` when the text is not a number. */
export const decimal = (min: number, max: number, example: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `expected a number such as ${example}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const yesNo = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

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
  APPS_URL: z.string().min(1).optional(),
  TRUSTED_PROXIES: z
    .string()
    .regex(/^[0-9a-fA-F.:]+(\s*,\s*[0-9a-fA-F.:]+)*$/, PROXIES_EXPECTED)
    // The pattern lets through what only looks like an address (10.0.0.256, 10.0.0.2.); isIP decides. Lowercase,
    // because Node reports IPv6 peers in lowercase and the comparison is by string.
    .transform((text, ctx) => {
      const addresses = text.split(",").map((entry) => entry.trim().toLowerCase());
      if (addresses.every((address) => isIP(address) !== 0)) return addresses;
      ctx.addIssue({ code: "custom", message: PROXIES_EXPECTED });
      return z.NEVER;
    })
    .optional(),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: integer(8, 100_000).default(256),
  DATA_ROOT: z.string().min(1).default("./data"),
  // Unset: SQLite in DATA_ROOT (one process). Set: the PostgreSQL database several processes or a cluster share.
  DATABASE_URL: z
    .string()
    .refine((url) => /^postgres(ql)?:\/\//.test(url), "expected a PostgreSQL connection URL, e.g. postgresql://portal@db.example/portal")
    .optional(),
  DATABASE_POOL_SIZE: integer(1, 200).default(10),
  // How the other portal processes reach this one (a terminal's browser forwarded to the process holding it).
  // Unset: this process's own listen address (loopback when it listens on all), right when they share a host.
  INTERNAL_URL: z.url({ message: "expected this process's address as the others reach it, e.g. http://10.0.0.5:3000" }).optional(),
  DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
  WORKSPACE_BACKEND: z.enum(["docker", "swarm"], { message: "expected docker (this host's engine) or swarm" }).default("docker"),
  SWARM_MANAGER: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "expected a manager's engine API as host:port, e.g. 10.0.0.11:2376")
    .optional(),
  SWARM_CERT_PATH: z.string().startsWith("/", "must be an absolute path").optional(),
  SWARM_HOMES_PATH: z.string().startsWith("/", "must be an absolute path").optional(),
  SWARM_PLACEMENT: z
    .string()
    .regex(/^[^;]+(;[^;]+)*$/, "expected placement constraints separated by ';', e.g. node.role==worker;node.labels.workspaces==true")
    .optional(),
  SWARM_NETWORK: dockerName.max(60).optional(),
  SWARM_NODE_PORT: integer(1, 65535).default(2376),
  // The share of each workspace's limits a node must have free to take it.
  SWARM_RESERVE: decimal(0, 1, "1 or 0.25 (a share of the limits)").default(1),
  SWARM_NODES_NO_NEW_PRIVILEGES: yesNo.default(false),
  PORTAL_INSTANCE: dockerName.max(40).default("default"),
  WORKSPACE_IMAGE: z.string().min(1).default("scitex-portal/workspace:latest"),
  WORKSPACE_NAME_PREFIX: dockerName.max(30).default("scitex-ws-"),
  WORKSPACE_NETWORK: dockerName.max(60).default("scitex-workspaces"),
  WORKSPACE_UID_BASE: integer(65536, 4_000_000_000).default(2_000_000),
  WORKSPACE_TMP_SIZE: byteSize(MIB).default(1024 * MIB),
  WORKSPACE_LXCFS: z.enum(["auto", "yes", "no"], { message: "expected auto, yes or no" }).default("auto"),
  LXCFS_ROOT: z.string().startsWith("/", "must be an absolute path").default("/var/lib/lxcfs"),
  WORKSPACE_EGRESS: z
    .string()
    .default("internet")
    .transform((text, ctx) => {
      const policy = parseEgressPolicy(text);
      if (typeof policy !== "string") return policy;
      ctx.addIssue({ code: "custom", message: policy });
      return z.NEVER;
    }),
  WORKSPACE_EGRESS_FIREWALL: yesNo.default(true),
  WORKSPACE_MEMORY: byteSize(64 * MIB).default(8 * 1024 * MIB),
  WORKSPACE_CPUS: decimal(0.01, 1024, "2 or 0.5 (CPUs)").default(2),
  WORKSPACE_PIDS: integer(16, 4_194_304).default(512),
  WORKSPACE_START_TIMEOUT_SECONDS: integer(1, 3600).default(60),
  WORKSPACE_STOP_TIMEOUT_SECONDS: integer(0, 600).default(10),
  WORKSPACE_IDLE_TIMEOUT_SECONDS: integer(0, 7 * 86_400).default(1800),
  WORKSPACE_IDLE_CPU_PERCENT: integer(0, 10_000).default(10),
  WORKSPACE_IDLE_EXTEND_MAX_HOURS: integer(0, 168).default(8),
  MAX_RUNNING_WORKSPACES: integer(0, 10_000).default(5),
  QUOTAS_FILE: z.string().min(1).optional(),
  DISK_SCAN_SECONDS: integer(0, 86_400).default(600),
  HOMES_STORAGE: z
    .enum(["local", "glusterfs"], { message: "expected local (du; XFS project quotas where mounted) or glusterfs (the volume's directory quotas)" })
    .default("local"),
  HOMES_GLUSTER_CLI: z
    .string()
    .regex(/^\S+(\s+\S+)*$/, "expected a command that runs the gluster CLI, e.g. gluster or ssh storage1 gluster")
    .transform((text) => text.split(/\s+/))
    .default(["gluster"]),
  START_QUEUE_TIMEOUT_SECONDS: integer(1, 86_400).default(600),
  SSH_HOST: z.string().min(1).optional(),
  SSH_PORT: integer(0, 65535).default(2200),
  SSH_PUBLIC_HOST: z.string().min(1).optional(),
  SSH_LOGIN_TIMEOUT_SECONDS: integer(5, 600).default(30),
  SSH_RSA_HOST_KEY: yesNo.default(false),
  SSH_HOST_KEYS_DIR: z.string().startsWith("/", "must be an absolute path").optional(),
  SSH_MAX_UNAUTHENTICATED: integer(1, 100_000).default(256),
  SSH_MAX_UNAUTHENTICATED_PER_ADDRESS: integer(1, 10_000).default(16),
  SSH_MAX_FAILURES_PER_ADDRESS: integer(5, 100_000).default(100),
  // Load balancers (HAProxy with send-proxy-v2) whose SSH connections start with a PROXY header naming the client.
  SSH_PROXY_PROTOCOL_FROM: z
    .string()
    .transform((text, ctx) => {
      const sources = parseProxySources(text);
      if (typeof sources !== "string") return sources;
      ctx.addIssue({ code: "custom", message: `${sources} (see the README's "Several processes behind HAProxy")` });
      return z.NEVER;
    })
    .optional(),
  CODE_SERVER_AT_START: yesNo.default(false),
  TERMINAL_GRACE_SECONDS: integer(5, 86_400).default(300),
  TERMINAL_MAX_PER_USER: integer(1, 100).default(10),
  TERMINAL_OPENS_PER_MINUTE: integer(1, 10_000).default(60),
  TERMINAL_BULK_RATE_KB: integer(0, 10_485_760).default(2048),
  TERMINAL_PACING_SECONDS: integer(1, 3600).default(15),
  // With DATABASE_URL: each web terminal's shell in a tmux session in the workspace (when its image has tmux), so
  // another portal process takes it over when the one holding it dies. See the README's "Terminals across processes".
  TERMINAL_HELD_IN_WORKSPACE: yesNo.default(true),
  // At least 64 KiB/s: four seconds of it must hold the largest message (64 Ki characters, up to 192 KiB).
  TERMINAL_INPUT_RATE_KB: integer(64, 1_048_576).default(1024),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  OIDC_ISSUER: z.url({ message: "expected the provider's issuer URL, such as https://cloud.example.org/o" }).optional(),
  OIDC_DISCOVERY_URL: z.url({ message: "expected the full URL of the discovery document" }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_SCOPES: z
    .string()
    .regex(/(^|\s)openid(\s|$)/, "must include the openid scope")
    .default("openid profile email"),
  OIDC_PROVIDER_NAME: z.string().min(1).max(60).default("SciTeX Cloud"),
  PROVIDER_RECHECK_SECONDS: integer(0, 86_400).default(300),
  ADMIN_SUBJECTS: z.string().default(""),
  ADMIN_USERNAMES: z.string().default(""),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  READYZ_CACHE_SECONDS: integer(0, 3600).default(2),
  ADMIN_CLAIM: z
    .string()
    .regex(/^[A-Za-z_][\w.-]*(=.+)?$/, "expected a claim name, or claim=value (e.g. is_staff, or groups=admins)")
    .optional(),
});

// Rules that tie variables together; each names the variable to set.
const envRules = envSchema.superRefine((env, ctx) => {
  const issue = (name: string, message: string) => ctx.addIssue({ code: "custom", path: [name], message });
  if (env.OIDC_ISSUER) {
    if (!env.OIDC_CLIENT_ID) issue("OIDC_CLIENT_ID", "is required when OIDC_ISSUER is set");
    if (!env.OIDC_CLIENT_SECRET) issue("OIDC_CLIENT_SECRET", "is required when OIDC_ISSUER is set");
  } else if (env.OIDC_CLIENT_ID || env.OIDC_CLIENT_SECRET || env.OIDC_DISCOVERY_URL) {
    issue("OIDC_ISSUER", "is required when OIDC_CLIENT_ID, OIDC_CLIENT_SECRET or OIDC_DISCOVERY_URL is set");
  }
  const publicUrl = new URL(env.PUBLIC_URL);
  const apps = env.APPS_URL === undefined ? defaultAppsUrl(publicUrl) : parseAppsUrl(env.APPS_URL);
  if (apps === null) {
    issue("APPS_URL", `is required when PUBLIC_URL is not on localhost: name a wildcard origin for workspace apps, such as https://*.apps-example.org (see the README's "Apps on their own origins")`);
  } else if (typeof apps === "string") {
    issue("APPS_URL", apps);
  } else {
    const problem = sameSiteProblem(publicUrl, apps);
    if (problem) issue("APPS_URL", problem);
    if (publicUrl.protocol === "https:" && apps.protocol !== "https:") issue("APPS_URL", "must be https when PUBLIC_URL is");
  }
  if (env.WORKSPACE_BACKEND === "swarm") swarmRules(env, issue);
  if (env.DATABASE_URL) sharedDatabaseRules(env, issue);
  if (env.SSH_HOST_KEYS_DIR && env.SSH_PORT !== 0) {
    for (const problem of hostKeysDirProblems(env.SSH_HOST_KEYS_DIR, env.SSH_RSA_HOST_KEY)) issue("SSH_HOST_KEYS_DIR", problem);
  }
  if (env.NODE_ENV === "production") {
    if (!env.OIDC_ISSUER) {
      issue("OIDC_ISSUER", "is required in production: the embedded development identity provider is for local use only");
    }
    if (!env.AUTH_SECRET) issue("AUTH_SECRET", "is required in production");
  }
});

export type PortalEnv = z.output<typeof envSchema>;

/**
 * A shared database means several processes behind one address (or a cluster): whatever each process would make up
 * for itself alone (a session secret, SSH host keys) must be given to all of them, and the embedded provider, which
 * keeps its sign-ins in one process's memory, cannot serve them.
 */
function sharedDatabaseRules(env: PortalEnv, issue: (name: string, message: string) => void): void {
  const why = "is required when DATABASE_URL is set";
  if (!env.AUTH_SECRET) {
    issue("AUTH_SECRET", `${why}: every portal process sharing the database must sign and read sessions with the same secret; give them all one (e.g. \`openssl rand -base64 32\`)`);
  }
  if (!env.OIDC_ISSUER) {
    issue(
      "OIDC_ISSUER",
      `${why}: the embedded development identity provider keeps sign-ins in one process's memory, so a sign-in started on one process could not finish on another; configure the Django site's provider (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)`,
    );
  }
  if (!env.SSH_HOST_KEYS_DIR && env.SSH_PORT !== 0) {
    issue(
      "SSH_HOST_KEYS_DIR",
      `${why} (or SSH_PORT=0): every portal process must present the same SSH host keys, or users' ssh refuses whichever process it meets second; make them once with \`ssh-keygen -t ed25519 -N '' -f /etc/scitex-portal/ssh/${HOST_KEY_FILES.ed25519}\` and give every process that directory`,
    );
  }
}

/** The host key files an operator's SSH_HOST_KEYS_DIR holds, named as OpenSSH's sshd names its own. */
export const HOST_KEY_FILES = { ed25519: "ssh_host_ed25519_key", rsa: "ssh_host_rsa_key" } as const;

/** What is wrong with an operator's host key directory, each said so it can be put right. */
function hostKeysDirProblems(dir: string, rsa: boolean): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return [`does not exist: make it and the keys in it (ssh-keygen -t ed25519 -N '' -f ${path.join(dir, HOST_KEY_FILES.ed25519)})`];
  }
  if (!stat.isDirectory()) return ["is not a directory"];
  const wanted = [HOST_KEY_FILES.ed25519, ...(rsa ? [HOST_KEY_FILES.rsa] : [])];
  const problems: string[] = [];
  for (const name of wanted) {
    const file = path.join(dir, name);
    const type = name === HOST_KEY_FILES.rsa ? "rsa -b 3072" : "ed25519";
    let mode: number;
    try {
      mode = fs.statSync(file).mode;
      fs.accessSync(file, fs.constants.R_OK);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      problems.push(missing ? `has no ${name}: make it with \`ssh-keygen -t ${type} -N '' -f ${file}\`` : `has ${name}, but this process may not read it: give it to the portal's user`);
      continue;
    }
    // As sshd: a host key others can read is no longer this host's alone.
    if (mode & 0o077) problems.push(`has ${name} readable by others (mode ${(mode & 0o777).toString(8)}): \`chmod 600 ${file}\``);
  }
  return problems;
}

/** What a swarm needs said: where its manager is, how to reach the nodes, where homes are, where workspaces may go. */
function swarmRules(env: PortalEnv, issue: (name: string, message: string) => void): void {
  const needed = "is required when WORKSPACE_BACKEND=swarm";
  if (!env.SWARM_MANAGER) issue("SWARM_MANAGER", `${needed}: a manager's engine API as host:port (mutual TLS)`);
  if (!env.SWARM_CERT_PATH) issue("SWARM_CERT_PATH", `${needed}: a directory holding ca.pem, cert.pem and key.pem (as DOCKER_CERT_PATH)`);
  else {
    const missing = ["ca.pem", "cert.pem", "key.pem"].filter((file) => !fs.existsSync(path.join(env.SWARM_CERT_PATH!, file)));
    if (missing.length) issue("SWARM_CERT_PATH", `has no ${missing.join(", ")}: put the cluster's CA and the portal's client certificate and key there`);
  }
  if (!env.SWARM_PLACEMENT) issue("SWARM_PLACEMENT", `${needed}: constraints that keep workspaces off managers, e.g. node.role==worker`);
  if (!env.SWARM_NETWORK) issue("SWARM_NETWORK", `${needed}: the swarm-scoped workspace network the cluster declares (the portal does not make it)`);
  if (!env.SWARM_HOMES_PATH) issue("SWARM_HOMES_PATH", `${needed}: where the shared homes volume is mounted on every node and on this host`);
  else {
    const relative = path.relative(env.SWARM_HOMES_PATH, path.resolve(env.DATA_ROOT));
    if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
      issue("DATA_ROOT", `must be a directory inside SWARM_HOMES_PATH (${env.SWARM_HOMES_PATH}): homes and identity files are bound from it on every node`);
    }
  }
  if (!/@sha256:[0-9a-f]{64}$/.test(env.WORKSPACE_IMAGE)) {
    issue("WORKSPACE_IMAGE", "must be pinned by digest in a registry the nodes reach (registry/name@sha256:<digest>): nodes never pull at start");
  }
}

export interface OidcSettings {
  issuer: string;
  /** Set only when the operator overrides discovery; otherwise it is found from the issuer. */
  discoveryUrl?: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

export interface WorkspaceLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
}

export type DatabaseConfig = { kind: "sqlite" } | { kind: "postgres"; url: string; poolSize: number };

export interface PortalConfig {
  env: PortalEnv["NODE_ENV"];
  logLevel: PortalEnv["LOG_LEVEL"];
  host: string;
  port: number;
  publicUrl: URL;
  /** Where workspace apps are served: each on its own host under this wildcard. */
  appsUrl: AppsUrl;
  /** Front proxies whose X-Forwarded-For is believed; every other peer's is ignored. */
  trustedProxies: string[];
  /** What workspaces may reach; null when the operator keeps the host firewall themselves. */
  egress: EgressPolicy | null;
  /** Open HTTP connections one address may hold (trusted proxies are not counted). */
  httpMaxConnectionsPerAddress: number;
  dataRoot: string;
  /** Where the portal's own records live: SQLite in the data root, or a shared PostgreSQL. */
  database: DatabaseConfig;
  /** How the other processes sharing the database reach this one (its origin, no path). */
  internalUrl: string;
  dockerSocket: string;
  instance: string;
  /** What runs the workspaces: this host's engine, or a Docker Swarm. */
  backend: { kind: "docker" } | SwarmConfig;
  workspace: {
    image: string;
    namePrefix: string;
    network: string;
    limits: WorkspaceLimits;
    startTimeoutMs: number;
    stopTimeoutSeconds: number;
    /** 0: never stop for idleness. */
    idleTimeoutMs: number;
    /** CPU use (percent of one core, averaged between sweeps) that counts as use; 0: CPU never counts. */
    idleBusyCpuPercent: number;
    /** How far ahead a user may push the idle stop with "+1 h"; 0: not at all. */
    idleExtendMaxMs: number;
    /** 0: no cap. */
    maxRunning: number;
    queueTimeoutMs: number;
    /** Per-user and per-group overrides (JSON); null: everyone gets the limits above. */
    quotasFile: string | null;
    /** How often home directories are measured; 0: only when a workspace starts. */
    diskScanMs: number;
    /**
     * What homes are on, for their sizes and limits: a local file system (walked with `du`; XFS project quotas where
     * mounted with them), or a GlusterFS volume whose directory quotas keep each home's size (`cli` sets limits).
     */
    homeStorage: { kind: "local" } | { kind: "glusterfs"; cli: string[] };
    /** Size of each scratch tmpfs (/tmp, /var/tmp); it counts against the workspace's memory limit. */
    tmpBytes: number;
    /** Each user's workspace runs as host uid `uidBase + n` (n: the user's own number), in no host account's range. */
    uidBase: number;
    /** LXCFS's /proc files over the workspace's own (auto: when LXCFS serves them). */
    lxcfs: { mode: "auto" | "yes" | "no"; root: string };
  };
  /** Start VS Code with every workspace, rather than when the user first opens it. */
  codeServerAtStart: boolean;
  /** Lets Prometheus scrape /metrics without an admin session (Authorization: Bearer <token>). */
  metricsToken: string | null;
  /** How long one round of /readyz checks answers for (calls that come while it runs share it, too). */
  readyzCacheMs: number;
  ssh: {
    /** 0 turns the SSH gateway off. */
    port: number;
    host: string;
    /** The host name users type after `ssh -p <port> user@`. */
    publicHost: string;
    /** Also offer an RSA host key, for clients without ed25519 (it brings SHA-1 `ssh-rsa` signatures with it). */
    legacyRsaHostKey: boolean;
    /** The operator's host keys, the same in every process; null: made once and kept in the data root. */
    hostKeysDir: string | null;
    /** Time to finish the key exchange and sign in (a login waiting for browser approval gets 6 min). */
    loginTimeoutMs: number;
    /** Connections not yet signed in, in all and from one address. */
    maxUnauthenticated: number;
    maxUnauthenticatedPerAddress: number;
    /** Failed logins from one address within 10 minutes before it is refused outright. */
    maxFailuresPerAddress: number;
    /** Load balancers trusted to name the client in a PROXY header (empty: none; every peer is the client). */
    proxyProtocolFrom: ProxySource[];
  };
  terminal: {
    graceMs: number;
    /** Web terminals and SSH sessions one user may have open at once, together. */
    maxPerUser: number;
    /** Terminals, SSH sessions and `-L` relays one user may open per minute, together (each is a docker exec). */
    opensPerMinute: number;
    /** Bytes per second all bulk terminals share while somebody types; 0: never paced. */
    bulkBytesPerSecond: number;
    /** How long after somebody's last keystroke the other terminals stay paced. */
    pacingMs: number;
    /** Bytes of input one terminal connection may send per second (four seconds' worth at once); past it, refused. */
    inputBytesPerSecond: number;
    /** Shells in tmux in the workspace, taken over by another process (only where the store is shared). */
    heldInWorkspace: boolean;
  };
  auth: {
    /** Null when AUTH_SECRET is unset outside production: the portal then keeps a generated one in DATA_ROOT. */
    secret: string | null;
    providerName: string;
    /** Null means the embedded development identity provider. */
    oidc: OidcSettings | null;
    adminSubjects: string[];
    adminUsernames: string[];
    adminClaim: { name: string; value?: string } | null;
    /** How often each account is asked about again at the provider (refresh + userinfo); 0: never. */
    recheckMs: number;
  };
}

export interface SwarmConfig {
  kind: "swarm";
  manager: { host: string; port: number };
  /** A DOCKER_CERT_PATH directory: the cluster's CA, the portal's client certificate and key. */
  certPath: string;
  homesPath: string;
  constraints: string[];
  network: string;
  nodePort: number;
  /** The share of each workspace's limits a node must have free to take it. */
  reserveFraction: number;
  /** The operator says every node's engine runs with --no-new-privileges. */
  nodesNoNewPrivileges: boolean;
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
  const parsed = envRules.safeParse(present);
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
    appsUrl: (env.APPS_URL === undefined ? defaultAppsUrl(new URL(env.PUBLIC_URL)) : parseAppsUrl(env.APPS_URL)) as AppsUrl,
    trustedProxies: env.TRUSTED_PROXIES ?? [],
    httpMaxConnectionsPerAddress: env.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    // On a swarm the workspaces' traffic never passes this host's bridge: each node's start script keeps the rules.
    egress: env.WORKSPACE_EGRESS_FIREWALL && env.WORKSPACE_BACKEND === "docker" ? env.WORKSPACE_EGRESS : null,
    dataRoot: path.resolve(env.DATA_ROOT),
    database: env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE } : { kind: "sqlite" },
    internalUrl: env.INTERNAL_URL ? new URL(env.INTERNAL_URL).origin : `http://${loopbackOf(env.HOST)}:${env.PORT}`,
    dockerSocket: env.DOCKER_SOCKET,
    instance: env.PORTAL_INSTANCE,
    backend: env.WORKSPACE_BACKEND === "swarm" ? swarmConfig(env) : { kind: "docker" },
    workspace: {
      image: env.WORKSPACE_IMAGE,
      namePrefix: env.WORKSPACE_NAME_PREFIX,
      network: env.WORKSPACE_NETWORK,
      limits: { memoryBytes: env.WORKSPACE_MEMORY, cpus: env.WORKSPACE_CPUS, pids: env.WORKSPACE_PIDS },
      startTimeoutMs: env.WORKSPACE_START_TIMEOUT_SECONDS * 1000,
      stopTimeoutSeconds: env.WORKSPACE_STOP_TIMEOUT_SECONDS,
      idleTimeoutMs: env.WORKSPACE_IDLE_TIMEOUT_SECONDS * 1000,
      idleBusyCpuPercent: env.WORKSPACE_IDLE_CPU_PERCENT,
      idleExtendMaxMs: env.WORKSPACE_IDLE_EXTEND_MAX_HOURS * 3600_000,
      maxRunning: env.MAX_RUNNING_WORKSPACES,
      queueTimeoutMs: env.START_QUEUE_TIMEOUT_SECONDS * 1000,
      quotasFile: env.QUOTAS_FILE ?? null,
      diskScanMs: env.DISK_SCAN_SECONDS * 1000,
      homeStorage: env.HOMES_STORAGE === "glusterfs" ? { kind: "glusterfs", cli: env.HOMES_GLUSTER_CLI } : { kind: "local" },
      uidBase: env.WORKSPACE_UID_BASE,
      tmpBytes: env.WORKSPACE_TMP_SIZE,
      lxcfs: { mode: env.WORKSPACE_LXCFS, root: env.LXCFS_ROOT },
    },
    codeServerAtStart: env.CODE_SERVER_AT_START,
    metricsToken: env.METRICS_TOKEN ?? null,
    readyzCacheMs: env.READYZ_CACHE_SECONDS * 1000,
    ssh: {
      port: env.SSH_PORT,
      host: env.SSH_HOST ?? env.HOST,
      publicHost: env.SSH_PUBLIC_HOST ?? new URL(env.PUBLIC_URL).hostname,
      legacyRsaHostKey: env.SSH_RSA_HOST_KEY,
      hostKeysDir: env.SSH_HOST_KEYS_DIR ?? null,
      loginTimeoutMs: env.SSH_LOGIN_TIMEOUT_SECONDS * 1000,
      maxUnauthenticated: env.SSH_MAX_UNAUTHENTICATED,
      maxUnauthenticatedPerAddress: env.SSH_MAX_UNAUTHENTICATED_PER_ADDRESS,
      maxFailuresPerAddress: env.SSH_MAX_FAILURES_PER_ADDRESS,
      proxyProtocolFrom: env.SSH_PROXY_PROTOCOL_FROM ?? [],
    },
    terminal: {
      graceMs: env.TERMINAL_GRACE_SECONDS * 1000,
      maxPerUser: env.TERMINAL_MAX_PER_USER,
      opensPerMinute: env.TERMINAL_OPENS_PER_MINUTE,
      bulkBytesPerSecond: env.TERMINAL_BULK_RATE_KB * 1024,
      pacingMs: env.TERMINAL_PACING_SECONDS * 1000,
      inputBytesPerSecond: env.TERMINAL_INPUT_RATE_KB * 1024,
      heldInWorkspace: env.TERMINAL_HELD_IN_WORKSPACE,
    },
    auth: {
      secret: env.AUTH_SECRET ?? null,
      providerName: env.OIDC_PROVIDER_NAME,
      oidc: env.OIDC_ISSUER
        ? {
            issuer: env.OIDC_ISSUER.replace(/\/+$/, ""),
            ...(env.OIDC_DISCOVERY_URL ? { discoveryUrl: env.OIDC_DISCOVERY_URL } : {}),
            clientId: env.OIDC_CLIENT_ID!,
            clientSecret: env.OIDC_CLIENT_SECRET!,
            scopes: env.OIDC_SCOPES,
          }
        : null,
      adminSubjects: env.ADMIN_SUBJECTS.split(",")
        .map((sub) => sub.trim())
        .filter(Boolean),
      adminUsernames: env.ADMIN_USERNAMES.split(",")
        .map((name) => name.trim())
        .filter(Boolean),
      adminClaim: env.ADMIN_CLAIM ? parseClaimRule(env.ADMIN_CLAIM) : null,
      recheckMs: env.PROVIDER_RECHECK_SECONDS * 1000,
    },
  };
}

function swarmConfig(env: PortalEnv): SwarmConfig {
  const [host, port] = env.SWARM_MANAGER!.split(":") as [string, string];
  return {
    kind: "swarm",
    manager: { host, port: Number(port) },
    certPath: env.SWARM_CERT_PATH!,
    homesPath: path.resolve(env.SWARM_HOMES_PATH!),
    constraints: env.SWARM_PLACEMENT!.split(";").map((c) => c.trim()).filter(Boolean),
    network: env.SWARM_NETWORK!,
    nodePort: env.SWARM_NODE_PORT,
    reserveFraction: env.SWARM_RESERVE,
    nodesNoNewPrivileges: env.SWARM_NODES_NO_NEW_PRIVILEGES,
  };
}

function parseClaimRule(rule: string): { name: string; value?: string } {
  const at = rule.indexOf("=");
  return at < 0 ? { name: rule } : { name: rule.slice(0, at), value: rule.slice(at + 1) };
}

/** Where this process can reach itself: the listen address, or loopback when it listens on all of them. */
export function loopbackOf(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
