import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { chainsFor, egressRules, resolversIn, type EgressPolicy } from "./egress-rules";

const run = promisify(execFile);

/** Runs iptables with its arguments; rejects with iptables' own message. */
export type Iptables = (args: string[], input?: string) => Promise<string>;

export const systemIptables: Iptables = async (args, input) => {
  if (input === undefined) return (await run("iptables", ["-w", "5", ...args])).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile("iptables-restore", ["-w", "5", ...args], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)));
    child.stdin!.end(input);
  });
};

/**
 * Installs the egress policy for the workspace bridge in the host's firewall, and says whether it is still in
 * place. The rules live in chains of their own, rewritten in one iptables-restore commit (never a moment with
 * half a policy), and reached from DOCKER-USER (which Docker leaves alone) and INPUT.
 */
export class EgressFirewall {
  private bridge: string | null = null;
  private lastProblem: string | null = "not installed yet";

  constructor(
    private readonly policy: EgressPolicy,
    private readonly log: Logger,
    private readonly iptables: Iptables = systemIptables,
    // Docker hands containers the host's resolvers, or systemd-resolved's upstream ones when the host's is loopback.
    private readonly resolvConf: () => string = () =>
      ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"].map((file) => safely(() => fs.readFileSync(file, "utf8"))).join("\n"),
    private readonly exists: (bridge: string) => boolean = (bridge) => fs.existsSync(`/sys/class/net/${bridge}`),
  ) {}

  async apply(bridge: string): Promise<void> {
    this.bridge = bridge;
    await this.pruneStale().catch(() => undefined);
    const { forward, input } = chainsFor(bridge);
    const rules = egressRules(bridge, this.policy, resolversIn(safely(this.resolvConf)));
    const restore = ["*filter", `:${forward} - [0:0]`, `:${input} - [0:0]`, ...rules.map((r) => `-A ${r.join(" ")}`), "COMMIT", ""].join("\n");
    try {
      await this.iptables(["--noflush"], restore);
      await this.ensureJump("DOCKER-USER", ["-i", bridge, "-j", forward]);
      await this.ensureJump("INPUT", ["-i", bridge, "-j", input]);
      this.lastProblem = null;
      this.log.info({ bridge, policy: this.policy.kind, rules: rules.length }, "workspace egress policy installed");
    } catch (error) {
      this.lastProblem = `the egress firewall rules could not be installed: ${(error as Error).message.trim()}`;
      this.log.error({ bridge }, this.lastProblem);
    }
  }

  /** Null when the rules are in place; otherwise what is wrong, for /readyz and the admin page. */
  async problem(): Promise<string | null> {
    if (!this.bridge || this.lastProblem) return this.lastProblem;
    const { forward, input } = chainsFor(this.bridge);
    try {
      await this.iptables(["-C", "DOCKER-USER", "-i", this.bridge, "-j", forward]);
      await this.iptables(["-C", "INPUT", "-i", this.bridge, "-j", input]);
      const listed = (await this.iptables(["-S", forward])).split("\n").filter((line) => line.startsWith("-A "));
      const expected = egressRules(this.bridge, this.policy, resolversIn(safely(this.resolvConf))).filter((r) => r[0] === forward).length;
      return listed.length === expected ? null : `the egress firewall chain ${forward} has ${listed.length} rules, expected ${expected}`;
    } catch {
      return `the egress firewall rules for ${this.bridge} are missing (removed by hand or by a firewall reload?); restart the portal to install them`;
    }
  }

  /** Takes the rules out again (tests, and a network that is removed). */
  async remove(bridge: string): Promise<void> {
    const { forward, input } = chainsFor(bridge);
    for (const [chain, target] of [["DOCKER-USER", forward], ["INPUT", input]] as const) {
      await this.iptables(["-D", chain, "-i", bridge, "-j", target]).catch(() => undefined);
      await this.iptables(["-F", target]).catch(() => undefined);
      await this.iptables(["-X", target]).catch(() => undefined);
    }
  }

  /** Chains of bridges that no longer exist (networks removed since) are taken out, so none pile up. */
  async pruneStale(): Promise<void> {
    const chains = (await this.iptables(["-S"])).split("\n").map((line) => /^-N SCITEX-(?:FWD|IN)-(\S+)$/.exec(line)?.[1]);
    for (const bridge of new Set(chains.filter((b): b is string => !!b))) {
      if (!this.exists(bridge)) await this.remove(bridge);
    }
  }

  private async ensureJump(chain: string, rule: string[]): Promise<void> {
    try {
      await this.iptables(["-C", chain, ...rule]);
    } catch {
      await this.iptables(["-I", chain, "1", ...rule]);
    }
  }
}

function safely(read: () => string): string {
  try {
    return read();
  } catch {
    return "";
  }
}
