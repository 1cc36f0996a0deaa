import ssh2, { type AuthContext, type AuthenticationType } from "ssh2";
import type { Logger } from "pino";
import type { RegisteredUser, UserRegistry } from "../../lib/identity/registry";
import type { AuditLog } from "../../lib/audit/audit-log";
import type { PortalMetrics } from "../../lib/metrics/metrics";
import type { Approvals } from "../../lib/ssh/approvals";
import type { SshKeyStore } from "../../lib/ssh/key-store";
import { fingerprintOf } from "../../lib/ssh/public-key";
import type { Throttle } from "../../lib/ssh/login-throttle";
import { userForSshLogin } from "../../lib/ssh/login-name";
import type { StandingAccess } from "../../lib/identity/standing-access";

export interface AuthDeps {
  registry: UserRegistry;
  keys: SshKeyStore;
  approvals: Approvals;
  throttle: Throttle;
  /** Whether the account may come in without a sign-in in hand: not shut out, and its provider's yes still current. */
  standing: Pick<StandingAccess, "check">;
  /**
   * Logins waiting for a browser approval: at most this many from one address for one name, from one address in
   * all, and in all (each holds a connection for minutes). Never per name alone, which any address may type.
   */
  maxPendingApprovals: { perNameFromAddress: number; perAddress: number; total: number };
  audit: AuditLog;
  metrics: PortalMetrics;
  publicUrl: URL;
  /** How long a sign-in lasts, in hours (for the message to an account that must sign in again). */
  sessionHours: number;
  log: Logger;
}

export interface Peer {
  ip: string;
  software: string;
}

const METHODS: AuthenticationType[] = ["publickey", "keyboard-interactive"];

/**
 * One SSH connection's authentication: a stored public key, or approval in the browser. The answers are the
 * same whether or not the user exists, so the gateway never tells a stranger which accounts there are.
 */
export class Authenticator {
  user: RegisteredUser | null = null;
  private cancelApproval: (() => void) | null = null;
  /** A right key was refused because the account must sign in to renew: told on the next keyboard-interactive try. */
  private mustRenew = false;
  /** The connection went away (a login still being set up must not start waiting after it). */
  private abandoned = false;

  constructor(
    private readonly deps: AuthDeps,
    private readonly peer: Peer,
  ) {}

  /** Answers the attempt; resolves once it has (never rejects: what goes wrong is a refusal, logged). */
  handle(ctx: AuthContext): Promise<void> {
    return this.decide(ctx).catch((error: unknown) => {
      // The database briefly down, say: this attempt fails like a wrong key, and the client may try again.
      this.deps.log.warn({ err: error, ip: this.peer.ip }, "ssh authentication could not be decided");
      ctx.reject(METHODS);
    });
  }

  private async decide(ctx: AuthContext): Promise<void> {
    const { throttle, registry } = this.deps;
    // This process's throttle answers at once (no await: the refusal goes out before anything else runs).
    const blocked = throttle.addressBlocked(this.peer.ip);
    if (typeof blocked === "boolean" ? blocked : await blocked) return this.refuseBlocked(ctx);
    const found = await userForSshLogin(registry, ctx.username);
    const standing = found ? await this.deps.standing.check(found.sub, Date.now()) : "shut out";
    // A disabled account is treated as no account: its keys and approvals lead nowhere.
    const user = found && standing !== "shut out" ? found : null;
    const counted = () => {
      this.deps.metrics.sshAuthFailures.inc();
      return throttle.fail(this.peer.ip, ctx.username);
    };
    const fail = async () => rejectAfter(ctx, await counted());
    switch (ctx.method) {
      case "publickey":
        return this.publicKey(ctx, user, standing === "sign in to renew", fail);
      case "keyboard-interactive":
        if (this.mustRenew) return this.tellToRenew(ctx);
        return this.approveInBrowser(ctx, user, counted);
      default:
        return ctx.reject(METHODS);
    }
  }

  /** A login waits for the user to approve it in the browser. */
  get awaitingApproval(): boolean {
    return this.cancelApproval !== null;
  }

  /** The connection went away: a login waiting for approval no longer needs one. */
  abandon(): void {
    this.abandoned = true;
    this.cancelApproval?.();
  }

  private async publicKey(ctx: AuthContext & { method: "publickey" }, user: RegisteredUser | null, mustRenew: boolean, fail: () => Promise<void>): Promise<void> {
    const stored = user ? await this.deps.keys.find(user.sub, fingerprintOf(ctx.key.data)) : undefined;
    // A client asking whether a key would do (every key in an agent, in turn) has failed at nothing.
    if (!ctx.signature) return stored ? ctx.accept() : ctx.reject(METHODS);
    if (!user || !stored) return fail();
    const parsed = ssh2.utils.parseKey(stored.publicKey);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error || key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return fail();
    if (mustRenew) {
      // The right key, so no failure; but the provider's yes behind it is too old to act on.
      this.mustRenew = true;
      this.deps.log.info({ user: user.username, ip: this.peer.ip }, "ssh key refused: no sign-in for a session's lifetime, and the provider cannot be asked");
      return ctx.reject(METHODS);
    }
    await this.deps.keys.touch(stored.id);
    await this.succeed(ctx, user, `key ${stored.fingerprint}`);
  }

  private async approveInBrowser(
    ctx: AuthContext & { method: "keyboard-interactive" },
    user: RegisteredUser | null,
    countFailure: () => number | Promise<number>,
  ): Promise<void> {
    if (this.cancelApproval) return ctx.reject(METHODS);
    const { perNameFromAddress, perAddress, total } = this.deps.maxPendingApprovals;
    const waiting = await this.deps.approvals.waiting(ctx.username, this.peer.ip);
    if (waiting.forNameFromAddress >= perNameFromAddress || waiting.fromAddress >= perAddress) {
      return this.tell(
        ctx,
        "Too many logins wait for approval",
        `${waiting.fromAddress} SSH logins from your address (${this.peer.ip}) already wait for approval in the browser.\r\n` +
          `End those ssh commands (or approve or deny them in the browser), then try again.\r\n`,
      );
    }
    if (waiting.total >= total) {
      return this.tell(ctx, "Too many logins wait for approval", "The portal has too many logins waiting for approval right now. Try again in a few minutes, or use an SSH key.\r\n");
    }
    const pending = await this.deps.approvals.create(ctx.username, this.peer.ip, this.peer.software);
    // The client left while the request was being made: it waits for nobody.
    if (this.abandoned) return this.deps.approvals.cancel(pending.request.id);
    this.cancelApproval = () => this.deps.approvals.cancel(pending.request.id);
    const link = new URL(`/ssh/approve/${pending.request.id}`, this.deps.publicUrl).href;
    const instructions =
      `To sign in without a key, open this link in a browser signed in to the portal as ${ctx.username}:\r\n\r\n` +
      `  ${link}\r\n\r\n  and check that it shows the code ${pending.request.code}.\r\n` +
      `Waiting up to 5 minutes... (add an SSH key on the portal's SSH keys page to skip this next time)\r\n`;
    // Counted when the browser decides (or the request lapses), not when the client has answered the prompt: a
    // client that leaves at once after a denial must not take the failure with it.
    const decided = pending.result.then(async ({ outcome, approverSub }) => {
      this.cancelApproval = null;
      if (outcome === "approved" && user && approverSub === user.sub) return { approved: user };
      return { approved: null, delay: await countFailure() };
    });
    // No prompts, only instructions: the client shows them and waits while the user approves in the browser.
    ctx.prompt([], "Approve this login in your browser", instructions, () => {
      void decided
        .then((decision) => (decision.approved ? this.succeed(ctx, decision.approved, "browser approval") : rejectAfter(ctx, decision.delay ?? 0)))
        .catch(() => ctx.reject(METHODS));
    });
  }

  /**
   * An address past its failure limit is refused without a check. A key alone cannot be told why; a client that
   * goes on to keyboard-interactive (OpenSSH does, unless in batch mode) is shown the wait, so a throttled login
   * does not look like a wrong key.
   */
  private refuseBlocked(ctx: AuthContext): void | Promise<void> {
    if (ctx.method !== "keyboard-interactive") return ctx.reject(METHODS);
    const left = this.deps.throttle.addressBlockedForMs(this.peer.ip);
    if (typeof left !== "number") return left.then((ms) => this.tellBlocked(ctx, ms));
    this.tellBlocked(ctx, left);
  }

  private tellBlocked(ctx: AuthContext & { method: "keyboard-interactive" }, leftMs: number): void {
    const minutes = Math.max(1, Math.ceil(leftMs / 60_000));
    const text =
      `Too many failed SSH logins came from your address (${this.peer.ip}).\r\n` +
      `Logins from it are refused for about ${minutes} more minute${minutes === 1 ? "" : "s"}; then try again.\r\n`;
    this.tell(ctx, "SSH logins paused", text);
  }

  /**
   * Shown only after the account's own key was verified. A key alone cannot be told why; OpenSSH goes on to
   * keyboard-interactive (unless in batch mode) and prints this.
   */
  private tellToRenew(ctx: AuthContext & { method: "keyboard-interactive" }): void {
    const portal = this.deps.publicUrl.origin;
    this.tell(
      ctx,
      "Sign in to the portal to renew SSH access",
      `Your SSH key is right, but this account has not signed in to the portal for over ${this.deps.sessionHours} hours,\r\n` +
        `and its identity provider cannot be asked whether it is still active in between.\r\n` +
        `Sign in to the portal once, in a browser (${portal}), then connect again.\r\n`,
    );
  }

  /** Refuses a keyboard-interactive attempt, showing why (the client prints it; nothing is asked). */
  private tell(ctx: AuthContext & { method: "keyboard-interactive" }, title: string, text: string): void {
    ctx.prompt([], title, text, () => ctx.reject(METHODS));
  }

  private async succeed(ctx: AuthContext, user: RegisteredUser, how: string): Promise<void> {
    this.user = user;
    this.deps.log.info({ user: user.username, ip: this.peer.ip, how }, "ssh login");
    this.deps.metrics.sshLogins.inc({ method: how.startsWith("key") ? "publickey" : "browser" });
    // The log line above keeps the login on record should the database not take it now.
    await this.deps.audit
      .record("ssh.login", { actor: user.username, subject: user, detail: { how, ip: this.peer.ip } })
      .catch((error: unknown) => this.deps.log.warn({ err: error }, "could not record an ssh login in the audit log"));
    ctx.accept();
  }
}

/** Rejects an attempt, after the throttle's delay for this address and name when it gives one. */
function rejectAfter(ctx: AuthContext, delay: number): void {
  if (delay === 0) return ctx.reject(METHODS);
  setTimeout(() => ctx.reject(METHODS), delay).unref();
}
