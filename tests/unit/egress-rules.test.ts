import { describe, expect, it } from "vitest";
import { chainsFor, egressRules, parseEgressPolicy, resolversIn } from "../../lib/network/egress-rules";

describe("WORKSPACE_EGRESS", () => {
  it("reads internet, none, and lists of addresses and CIDRs", () => {
    expect(parseEgressPolicy("internet")).toEqual({ kind: "internet" });
    expect(parseEgressPolicy(" None ")).toEqual({ kind: "none" });
    expect(parseEgressPolicy("203.0.113.0/24, 198.51.100.7")).toEqual({ kind: "only", allow: ["203.0.113.0/24", "198.51.100.7"] });
  });

  it.each(["everything", "10.0.0.0/33", "10.0.0/8", "example.org", "10.0.0.1/8/2", ""])("refuses %j, saying what it takes", (text) => {
    expect(parseEgressPolicy(text)).toMatch(/expected internet, none, or IPv4 addresses\/CIDRs/);
  });
});

describe("the egress rules for one bridge", () => {
  const text = (rules: string[][]) => rules.map((r) => r.join(" "));

  it("lets only replies reach the host, and nothing reach other workspaces", () => {
    const rules = text(egressRules("br-abc", { kind: "internet" }, []));
    const { forward, input } = chainsFor("br-abc");
    expect(rules.filter((r) => r.startsWith(input))).toEqual([
      `${input} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `${input} -j DROP`,
    ]);
    expect(rules).toContain(`${forward} -o br-abc -j DROP`);
    expect(rules.at(-1)).toBe(`${forward} -j RETURN`);
  });

  it("blocks private ranges and metadata before the internet, but lets DNS reach the host's resolvers first", () => {
    const rules = text(egressRules("br-abc", { kind: "internet" }, ["10.0.0.2"]));
    const dns = rules.indexOf("SCITEX-FWD-br-abc -d 10.0.0.2 -p udp --dport 53 -j RETURN");
    const privateRange = rules.indexOf("SCITEX-FWD-br-abc -d 10.0.0.0/8 -j DROP");
    expect(dns).toBeGreaterThan(-1);
    expect(privateRange).toBeGreaterThan(dns);
    expect(rules).toContain("SCITEX-FWD-br-abc -d 169.254.0.0/16 -j DROP");
  });

  it("with none, has no way out, not even DNS; with a list, only the list", () => {
    const none = text(egressRules("br-abc", { kind: "none" }, ["10.0.0.2"]));
    expect(none.some((r) => r.includes("--dport 53"))).toBe(false);
    expect(none.at(-1)).toBe("SCITEX-FWD-br-abc -j DROP");
    const only = text(egressRules("br-abc", { kind: "only", allow: ["203.0.113.0/24"] }, []));
    expect(only).toContain("SCITEX-FWD-br-abc -d 203.0.113.0/24 -j RETURN");
    expect(only.at(-1)).toBe("SCITEX-FWD-br-abc -j DROP");
  });

  it("fits iptables' 28-character chain names for any bridge name", () => {
    const { forward, input } = chainsFor("br-0123456789ab");
    expect(forward.length).toBeLessThanOrEqual(28);
    expect(input.length).toBeLessThanOrEqual(28);
  });

  it("takes the resolvers a workspace's DNS may need, never loopback ones", () => {
    expect(resolversIn("# x\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\nsearch example.org\n")).toEqual(["10.0.0.2"]);
  });
});
