import { ActivityTracker } from "./activity/activity-tracker";
import { AdminWorkspaceActions } from "./admin/workspace-actions";
import { IdleExtensions } from "./activity/idle-extensions";
import { IdleReaper } from "./activity/idle-reaper";
import { AppSessions } from "./apps/app-sessions";
import { AppTickets } from "./apps/app-tickets";
import { AppsDomain } from "./apps/apps-domain";
import { codeServer as codeServerIn, startCodeServerWithWorkspaces } from "./apps/code-server";
import { notebookServer } from "./apps/notebook";
import type { OnDemandServer } from "./apps/on-demand-server";
import { AppSecrets } from "./apps/code-server-secret";
import { AuditLog } from "./audit/audit-log";
import { workspaceEventRecorder } from "./audit/workspace-events";
import { PortalMetrics } from "./metrics/metrics";
import { AuthService, authSettings } from "./auth/auth-service";
import { endEverythingOf } from "./auth/shut-out";
import { agreeOnSecret } from "./auth/shared-secret";
import type { OidcSettings, PortalConfig } from "./config/env";
import { UserRegistry } from "./identity/registry";
import { createLogger, type Logger } from "./log";
import { ApprovalService, type Approvals } from "./ssh/approvals";
import { SharedApprovals } from "./ssh/shared-approvals";
import { DEFAULT_THROTTLE, LoginThrottle, type Throttle } from "./ssh/login-throttle";
import { SharedLoginThrottle } from "./ssh/shared-login-throttle";
import { SharedLastUse } from "./activity/shared-last-use";
import { every } from "./cluster/every";
import { portalCluster, type PortalCluster } from "./cluster/portal-cluster";
import { endOrphanedSessions } from "./terminal/orphans";
import { hostKeysFor, type HostKey } from "./ssh/host-keys";
import { SshKeyStore } from "./ssh/key-store";
import { DockerBackend } from "./backend/docker/docker-backend";
import { swarmBackend } from "./backend/swarm/from-config";
import type { WorkspaceBackend } from "./backend/backend";
import { DockerRuntime } from "./runtime/docker/docker-runtime";
import { openStore } from "./store/open";
import type { PortalStore } from "./store/store";
import { OutputPacer } from "./terminal/output-pacer";
import { CodeStaticFiles } from "./apps/code-static";
import { LABEL } from "./workspace/labels";
import { TerminalAllowance } from "./terminal/terminal-allowance";
import { TerminalService } from "./terminal/terminal-service";
import { TerminalDirectory } from "./terminal/terminal-directory";
import { RelayTokens } from "./terminal/relay-token";
import { Shells } from "./terminal/shells";
import { SessionEndings } from "./terminal/session-endings";
import { WorkspaceMoves } from "./workspace/moves";
import { TERMINAL_BUFFERS, TYPING_MS } from "./terminal/terminal-tuning";
import { WorkspaceManager } from "./workspace/manager";
import { WorkspaceChanges } from "./workspace/changes";
import type { StartLine } from "./workspace/start-line";
import { startCoordination } from "./workspace/shared/coordination";
import { StopNotices } from "./workspace/stop-notices";
import { ListeningPortsCache } from "./apps/listening-ports";
import { UsageMeter } from "./workspace/usage-meter";
import { PortRelays } from "./apps/port-relay";
import { EgressFirewall } from "./network/egress-firewall";
import { ACCOUNT_RECHECK_MS, SharedAccountNews } from "./identity/account-news";
import { AccountStatuses } from "./identity/account-status";
import { SignIns } from "./identity/sign-ins";
import { StandingAccess } from "./identity/standing-access";
import { ProviderAccounts } from "./auth/provider-accounts";
import { DiskUsageMonitor } from "./quota/disk-usage";
import { SharedHomeSizes } from "./quota/shared-home-sizes";
import { homeStorage } from "./quota/from-config";
import { QuotaPolicy } from "./quota/policy";
import { homeLimits } from "./quota/home-limits";
import type { WorkspaceSettings } from "./workspace/types";
import { lxcfsProcBinds } from "./workspace/lxcfs";

/** Everything the doors share, wired once per process. */
export interface Portal {
  config: PortalConfig;
  log: Logger;
  /** The portal's own records: SQLite in the data root, or the PostgreSQL several processes share. */
  store: PortalStore;
  registry: UserRegistry;
  /** What runs the workspaces; the workspace manager in front of it is what the doors use. */
  backend: WorkspaceBackend;
  workspaces: WorkspaceManager;
  /** Every workspace's changes of state, from its backend: what caches an address or a workspace's state drops it. */
  changes: WorkspaceChanges;
  auth: AuthService;
  terminals: TerminalService;
  /** Where processes share the store: which process holds each terminal, and how one vouches to another for a user. */
  terminalForwarding: { directory: TerminalDirectory; tokens: RelayTokens } | null;
  /** Starts, signals and ends the shells and commands of every door (web terminals, SSH sessions, relays). */
  shells: Shells;
  /** What each user may open at once and per minute: web terminals, SSH sessions and `-L` relays together. */
  terminalAllowance: TerminalAllowance;
  codeServer: OnDemandServer;
  notebook: OnDemandServer;
  /** The token the portal presents to each workspace's Jupyter. */
  notebookTokens: AppSecrets;
  /** VS Code and port previews on their own origins: where they live, and how a sign-in reaches them. */
  apps: { domain: AppsDomain; tickets: AppTickets; sessions: AppSessions; codeServerSecrets: AppSecrets };
  /** VS Code's static files copied out of the workspace image, served without a trip into the workspace. */
  codeStatic: CodeStaticFiles;
  /** The host firewall's egress policy for the workspace network; null when the operator keeps it. */
  egress: EgressFirewall | null;
  /** Disabled accounts, and sign-ins ended everywhere: asked by every door. */
  accounts: AccountStatuses;
  /** Whether a door that holds no sign-in (an SSH key) may act for an account now. */
  standing: StandingAccess;
  /** The provider's word about each account after sign-in: kept grants, current rights, the periodic re-check. */
  providerAccounts: ProviderAccounts;
  /** CPU and memory of running workspaces, for the bar's live meter. */
  usage: UsageMeter;
  /** What listens in each workspace, for the port list (a short cache in front of an exec). */
  ports: ListeningPortsCache;
  /** Relays that make servers on 127.0.0.1 only reachable by the proxy. */
  relays: PortRelays;
  ssh: { keys: SshKeyStore; approvals: Approvals; throttle: Throttle; hostKeys: HostKey[] };
  /** This process among the portal's processes: the leader alone runs the idle stop, the disk scan and clean-ups. */
  cluster: PortalCluster;
  activity: ActivityTracker;
  idle: IdleReaper;
  /** Why each workspace is being stopped, for the terminals and SSH sessions the stop ends. */
  stops: StopNotices;
  /** Why every door's shells end: the workspace's stop, or its move to another instance or machine. */
  endings: SessionEndings;
  audit: AuditLog;
  /** What admins do to others' workspaces and accounts from the admin page, each recorded. */
  adminActions: AdminWorkspaceActions;
  metrics: PortalMetrics;
  /** The cap on running workspaces and its line: in memory on SQLite, shared by every process on PostgreSQL. */
  gate: StartLine;
  quotas: QuotaPolicy;
  disk: DiskUsageMonitor;
  /** Whether homes' hard limits stop writes (XFS project quotas, GlusterFS quotas) or homes are only measured. */
  diskEnforced: boolean;
  close(): Promise<void>;
}

export function workspaceSettings(config: PortalConfig): WorkspaceSettings {
  const { mode, root } = config.workspace.lxcfs;
  return { dataRoot: config.dataRoot, instance: config.instance, ...config.workspace, procBinds: lxcfsProcBinds(mode, root) };
}

/** `devOidc` is the embedded development provider, used only when no OIDC_ISSUER is configured. */
export async function createPortal(
  config: PortalConfig,
  log: Logger = createLogger(config.logLevel),
  devOidc: OidcSettings | null = null,
): Promise<Portal> {
  const store = await openStore(config.database, config.dataRoot);
  // Several processes on one database must sign sessions alike; one alone may change its secret at will.
  if (store.kind === "postgres" && config.auth.secret) {
    try {
      if ((await agreeOnSecret(store.db, config.auth.secret)) === "recorded") log.info("recorded the sign-in secret's fingerprint in the shared database");
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  const db = store.db;
  const registry = new UserRegistry(db);
  // This host's engine: the workspaces' on one host; on a swarm, only where VS Code's static files are read from.
  const runtime = new DockerRuntime(config.dockerSocket);
  const backend: WorkspaceBackend =
    config.backend.kind === "swarm"
      ? swarmBackend(config, config.backend)
      : new DockerBackend(runtime, { instance: config.instance, namePrefix: config.workspace.namePrefix, network: config.workspace.network });
  const audit = new AuditLog(db);
  // Where processes share the database, an account changed in one is read again (and shut out) in all of them.
  const accountNews = store.kind === "postgres" && config.database.kind === "postgres" ? new SharedAccountNews(config.database.url, db, log.child({ component: "account-news" })) : null;
  const accounts = new AccountStatuses(db, accountNews ? { news: accountNews, maxAgeMs: ACCOUNT_RECHECK_MS } : {});
  await accountNews?.start((news) => void accounts.heard(news).catch((error: unknown) => log.warn({ err: error }, "could not act on another process's account news")));
  const signIns = new SignIns(db);
  registry.onUsernameMoved = ({ username, from, to }) =>
    void audit
      .record("user.username-moved", { actor: "identity provider", subject: { sub: to, username }, detail: { username, from, to } })
      .catch((error: unknown) => log.warn({ err: error }, "could not record a username move in the audit log"));
  // Several processes share the database (PostgreSQL): what one process saw, the others must see too.
  const shared = store.kind === "postgres";
  const activity = new ActivityTracker();
  const lastUse = shared ? new SharedLastUse(db, activity, log.child({ component: "last-use" })) : null;
  lastUse?.start();
  const stops = new StopNotices();
  const coordination = await startCoordination(
    config.database,
    db,
    {
      cap: config.workspace.maxRunning,
      maxWaitMs: config.workspace.queueTimeoutMs,
      running: async () => (await workspaces.list()).filter((w) => w.state === "running" || w.state === "starting").map((w) => w.sub),
    },
    log.child({ component: "start-line" }),
  );
  const gate = coordination.line;
  const quotas = QuotaPolicy.load(config.workspace.limits, config.workspace.quotasFile);
  const homeQuota = homeStorage(config, log.child({ component: "disk" }));
  const disk = new DiskUsageMonitor(config.dataRoot, config.workspace.diskScanMs, log.child({ component: "disk" }), (home) => homeQuota.measure(home));
  const homeSizes = shared ? new SharedHomeSizes(db, disk, log.child({ component: "disk" })) : null;
  homeSizes?.start();
  const workspaces: WorkspaceManager = new WorkspaceManager({
    backend,
    registry,
    settings: workspaceSettings(config),
    log: log.child({ component: "workspaces" }),
    onEvent: async (event) => {
      stops.follow(event);
      codeServerAtStart?.(event);
      await recordWorkspaceEvent(event);
    },
    gate,
    locks: coordination.locks,
    limitsFor: (user) => quotas.for(user).limits,
    ...homeLimits(quotas, disk, homeQuota),
  });
  const idle = new IdleReaper(
    workspaces,
    backend,
    activity,
    new IdleExtensions(db),
    { timeoutMs: config.workspace.idleTimeoutMs, busyCpuPercent: config.workspace.idleBusyCpuPercent, extendMaxMs: config.workspace.idleExtendMaxMs },
    log.child({ component: "idle" }),
  );
  const settings = authSettings(config, devOidc);
  const appSessions = new AppSessions(db);
  const apps = {
    domain: new AppsDomain(config.appsUrl),
    tickets: new AppTickets(settings.secret, config.publicUrl.origin, db),
    sessions: appSessions,
    codeServerSecrets: new AppSecrets(settings.secret),
  };
  const providerAccounts: ProviderAccounts = new ProviderAccounts({
    db,
    settings,
    recheckMs: config.auth.recheckMs,
    registry,
    accounts,
    audit,
    log: log.child({ component: "provider-recheck" }),
    wellKnown: () => auth.wellKnown(),
    reconsider: (sub) => auth.reconsider(sub),
    onOutcome: (outcome) => metrics.providerChecks.inc({ outcome }),
    ...(accountNews ? { rightsMaxAgeMs: ACCOUNT_RECHECK_MS } : {}),
  });
  const auth = new AuthService(settings, registry, log.child({ component: "auth" }), {
    signedIn: async (user, refreshToken) => {
      await audit.record("sign-in", { actor: user.username, subject: user, detail: { admin: user.isAdmin } });
      await signIns.record(user.sub, Date.now());
      await providerAccounts.signedIn(user, refreshToken);
    },
    signedOut: (sid, expiresAt) => appSessions.endPortalSession(sid, expiresAt),
    isEnded: (sid) => appSessions.isPortalSessionEnded(sid),
    admits: (sub, authAt) => accounts.admits(sub, authAt),
    maySignIn: (sub) => accounts.maySignIn(sub),
    currentRights: (sub) => providerAccounts.rights(sub),
    sessionSeen: (sub, authAt) => signIns.record(sub, authAt),
  });
  // Rights the provider gave an account, recorded by another process's re-check: read again here, sessions too.
  accounts.onChangedElsewhere((sub) => {
    if (sub === null) return providerAccounts.grants.forgetAll();
    providerAccounts.grants.forget(sub);
    auth.reconsider(sub);
  });
  const standing = new StandingAccess({
    accounts,
    signIns,
    rechecked: (sub) => providerAccounts.rechecks(sub),
    lifetimeMs: settings.sessionMaxAgeSeconds * 1000,
  });
  await providerAccounts.start();
  const approvals: ApprovalService | SharedApprovals = shared ? new SharedApprovals(db) : new ApprovalService();
  const throttleOptions = { ...DEFAULT_THROTTLE, perAddress: config.ssh.maxFailuresPerAddress };
  const throttle = shared ? new SharedLoginThrottle(db, throttleOptions) : new LoginThrottle(throttleOptions);
  const cleanups = every(
    60_000,
    () =>
      Promise.all([
        apps.sessions.sweep(),
        apps.tickets.sweep(),
        ...(approvals instanceof SharedApprovals ? [approvals.sweep()] : []),
        ...(throttle instanceof SharedLoginThrottle ? [throttle.sweep()] : []),
      ]),
    (error) => log.warn({ err: error }, "could not sweep ended app sessions, approvals or login failures"),
  );
  // One for every door's shells: web terminals and SSH sessions with a PTY.
  const pacer =
    config.terminal.bulkBytesPerSecond > 0
      ? new OutputPacer({ interactiveMs: TYPING_MS, attentionMs: config.terminal.pacingMs, bulkBytesPerSecond: config.terminal.bulkBytesPerSecond })
      : null;
  const terminalAllowance = new TerminalAllowance({ maxOpen: config.terminal.maxPerUser, opensPerMinute: config.terminal.opensPerMinute });
  const cluster: PortalCluster = portalCluster({
    store,
    tasks: [idle, disk, cleanups],
    log: log.child({ component: "cluster" }),
    onLeadChange: (leading) => metrics.setLeading(leading),
    endShellsExcept: (alive) => endOrphanedSessions(workspaces, log.child({ component: "orphans" }), alive),
  });
  const shells = new Shells(workspaces, pacer, Date.now, cluster.processId);
  const changes = new WorkspaceChanges(backend, log.child({ component: "workspace-changes" }));
  const endings = new SessionEndings(stops, new WorkspaceMoves({ changes, workspaces, backend, log: log.child({ component: "moves" }) }));
  // Only where processes share the store: a browser's reconnect may land on another process, which forwards it.
  const terminalDirectory =
    store.kind === "postgres" ? new TerminalDirectory(db, { address: config.internalUrl }, log.child({ component: "terminal-directory" })) : null;
  const terminals = new TerminalService(
    workspaces,
    shells,
    {
      ...TERMINAL_BUFFERS,
      graceMs: config.terminal.graceMs,
      allowance: terminalAllowance,
      endings,
      ...(pacer ? { pacer } : {}),
      // Held in tmux (where the image has it) only where another process may have to take a shell over.
      ...(terminalDirectory ? { directory: terminalDirectory, heldInWorkspace: config.terminal.heldInWorkspace } : {}),
    },
    log.child({ component: "terminals" }),
    (sub) => activity.touch(sub, "terminal"),
  );
  accounts.onShutOut(endEverythingOf({ auth, appSessions, registry, terminals, audit }));
  const metrics = new PortalMetrics(() => workspaces.list(), () => shells.openByDoor(), () => gate.waiting);
  const recordWorkspaceEvent = workspaceEventRecorder(audit, metrics, activity);
  const codeServerLog = log.child({ component: "code-server" });
  const codeServer = codeServerIn(workspaces, apps.codeServerSecrets, codeServerLog);
  const codeServerAtStart = config.codeServerAtStart ? startCodeServerWithWorkspaces(codeServer, codeServerLog) : null;
  const notebookTokens = new AppSecrets(settings.secret, "jupyter token");
  const notebook = notebookServer(workspaces, notebookTokens, log.child({ component: "notebook" }));
  const codeStatic = new CodeStaticFiles(
    runtime,
    config.workspace.image,
    config.dataRoot,
    { [LABEL.instance]: config.instance, [LABEL.imageCopy]: "true" },
    log.child({ component: "code-static" }),
  );
  const ports = new ListeningPortsCache(workspaces);
  const stopFollowing = changes.subscribe(() => ports.clear());
  const stopKeeping = backend.keep?.(log.child({ component: "backend-keeper" })) ?? (() => {});
  const ssh = { keys: new SshKeyStore(db, audit), approvals, throttle, hostKeys: hostKeysFor(config.ssh, config.dataRoot) };
  return {
    config,
    log,
    store,
    registry,
    backend,
    workspaces,
    changes,
    auth,
    terminals,
    terminalForwarding: terminalDirectory ? { directory: terminalDirectory, tokens: new RelayTokens(settings.secret) } : null,
    shells,
    terminalAllowance,
    codeServer,
    notebook,
    notebookTokens,
    apps,
    codeStatic,
    ports,
    usage: new UsageMeter(backend),
    relays: new PortRelays(workspaces, log.child({ component: "port-relay" })),
    accounts,
    standing,
    providerAccounts,
    egress: config.egress ? new EgressFirewall(config.egress, log.child({ component: "egress" })) : null,
    ssh,
    cluster,
    activity,
    idle,
    stops,
    endings,
    audit,
    adminActions: new AdminWorkspaceActions({ workspaces, accounts, audit }),
    metrics,
    gate,
    quotas,
    disk,
    diskEnforced: homeQuota.enforced,
    close: async () => {
      stopFollowing();
      stopKeeping();
      providerAccounts.stop();
      // Lets the lead go at once (its connection closes), so another process takes the idle stop over soon.
      await cluster.stop().catch(() => undefined);
      idle.stop();
      disk.stop();
      await homeSizes?.stop();
      await terminalDirectory?.stop();
      await accountNews?.close();
      await coordination.close();
      if (approvals instanceof SharedApprovals) approvals.stop();
      await lastUse?.stop().catch((error: unknown) => log.warn({ err: error }, "could not record workspaces' last use at close"));
      await store.close();
    },
  };
}
