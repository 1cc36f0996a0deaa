/** What workspaces may reach outside their own container. */
export type EgressPolicy =
  | { kind: "internet" }
  | { kind: "none" }
  /** Only these networks (CIDR), plus the resolvers. */
  | { kind: "only"; allow: string[] };

// Never reachable from a workspace, whatever the policy says about the internet: the host's neighbours, cloud
// metadata (169.254.169.254), loopback-like, carrier-grade NAT, multicast and reserved ranges.
export const BLOCKED_RANGES = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

export interface EgressChains {
  /** Jumped to from DOCKER-USER for traffic leaving the workspace bridge. */
  forward: string;
  /** Jumped to from INPUT for traffic from the workspace bridge to the host itself. */
  input: string;
}

/** Chain names for one bridge: iptables allows 28 characters, a bridge name is at most 15. */
export function chainsFor(bridge: string): EgressChains {
  return { forward: `SCITEX-FWD-${bridge}`, input: `SCITEX-IN-${bridge}` };
}

/**
 * The rules (iptables -A arguments, chain first) that hold the policy for one workspace bridge:
 * - to the host itself (any of its addresses, hence the INPUT chain): only replies to connections the portal made;
 * - to another workspace on the bridge: nothing (Docker's icc=false, said again here);
 * - to the ranges above: nothing, except DNS to the host's own resolvers and what an `only` list names;
 * - to the rest (the internet): as the policy says.
 */
export function egressRules(bridge: string, policy: EgressPolicy, resolvers: string[]): string[][] {
  const { forward, input } = chainsFor(bridge);
  const rules: string[][] = [
    [input, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
    [input, "-j", "DROP"],
    [forward, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"],
    [forward, "-o", bridge, "-j", "DROP"],
  ];
  // With no way out at all, DNS would still be one (queries can carry data): resolvers only when something is allowed.
  for (const resolver of policy.kind === "none" ? [] : resolvers) {
    for (const protocol of ["udp", "tcp"]) rules.push([forward, "-d", resolver, "-p", protocol, "--dport", "53", "-j", "RETURN"]);
  }
  if (policy.kind === "only") for (const cidr of policy.allow) rules.push([forward, "-d", cidr, "-j", "RETURN"]);
  for (const range of BLOCKED_RANGES) rules.push([forward, "-d", range, "-j", "DROP"]);
  rules.push([forward, "-j", policy.kind === "internet" ? "RETURN" : "DROP"]);
  return rules;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** `WORKSPACE_EGRESS` as written: `internet`, `none`, or a comma-separated list of IPv4 addresses and CIDRs. */
export function parseEgressPolicy(text: string): EgressPolicy | string {
  const value = text.trim().toLowerCase();
  if (value === "internet") return { kind: "internet" };
  if (value === "none") return { kind: "none" };
  const allow = value.split(",").map((entry) => entry.trim());
  for (const entry of allow) {
    const [address, bits, extra] = entry.split("/");
    if (extra !== undefined || !IPV4.test(address ?? "") || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= 32))) {
      return `expected internet, none, or IPv4 addresses/CIDRs separated by commas such as 203.0.113.0/24 (got "${entry}")`;
    }
  }
  return { kind: "only", allow };
}

/** The name servers in resolv.conf text that a workspace's DNS may need to reach (loopback ones never leave). */
export function resolversIn(resolvConf: string): string[] {
  return resolvConf
    .split("\n")
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((address): address is string => !!address && IPV4.test(address) && !address.startsWith("127."));
}
