import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config/env";
import { parseProxySources, proxySourceMatcher } from "../../lib/ssh/proxy-sources";

const trusted = (text: string) => {
  const sources = parseProxySources(text);
  if (typeof sources === "string") throw new Error(sources);
  return proxySourceMatcher(sources);
};

describe("SSH_PROXY_PROTOCOL_FROM", () => {
  it("is off when unset or empty: no peer is a load balancer", () => {
    expect(loadConfig({}).ssh.proxyProtocolFrom).toEqual([]);
    expect(loadConfig({ SSH_PROXY_PROTOCOL_FROM: "" }).ssh.proxyProtocolFrom).toEqual([]);
    const none = proxySourceMatcher([]);
    expect(none("127.0.0.1")).toBe(false);
  });

  it("reads addresses and CIDR ranges, IPv4 and IPv6, spaces around commas allowed", () => {
    expect(loadConfig({ SSH_PROXY_PROTOCOL_FROM: "10.0.0.20, 10.0.1.0/24 ,FD00::/64" }).ssh.proxyProtocolFrom).toEqual([
      { address: "10.0.0.20", prefix: 32, family: "ipv4" },
      { address: "10.0.1.0", prefix: 24, family: "ipv4" },
      { address: "fd00::", prefix: 64, family: "ipv6" },
    ]);
  });

  it("says what is wrong, with an example, and where to read more", () => {
    const message = (value: string) => {
      try {
        loadConfig({ SSH_PROXY_PROTOCOL_FROM: value });
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(message("10.0.0.256")).toContain(`SSH_PROXY_PROTOCOL_FROM: "10.0.0.256" is not an IP address; expected the load balancers' addresses or CIDR ranges separated by commas, e.g. 10.0.0.20,10.0.1.0/24,fd00::/64`);
    expect(message("10.0.0.256")).toContain(`README's "Several processes behind HAProxy"`);
    expect(message("10.0.0.0/33")).toContain(`"10.0.0.0/33": an IPv4 prefix is at most 32`);
    expect(message("fd00::/129")).toContain(`an IPv6 prefix is at most 128`);
    expect(message("10.0.0.0/x")).toContain(`the part after "/" must be a prefix length such as 24`);
    expect(message("10.0.0.1,,10.0.0.2")).toContain("an entry is empty");
    expect(message("haproxy.example")).toContain(`"haproxy.example" is not an IP address`);
    expect(message("10.0.0.0/8/8")).toContain(`has more than one "/"`);
  });

  it("matches peers in the ranges only, IPv4 peers of a dual-stack socket (::ffff:) included", () => {
    const isTrusted = trusted("10.0.0.20,10.0.1.0/24,fd00::/64");
    expect(isTrusted("10.0.0.20")).toBe(true);
    expect(isTrusted("::ffff:10.0.0.20")).toBe(true);
    expect(isTrusted("10.0.1.77")).toBe(true);
    expect(isTrusted("::FFFF:10.0.1.77")).toBe(true);
    expect(isTrusted("fd00::1234")).toBe(true);
    expect(isTrusted("10.0.0.21")).toBe(false);
    expect(isTrusted("10.0.2.1")).toBe(false);
    expect(isTrusted("fd01::1")).toBe(false);
    expect(isTrusted(undefined)).toBe(false);
    expect(isTrusted("")).toBe(false);
  });

  it("takes a mapped IPv4 entry as the IPv4 address or range it stands for", () => {
    expect(parseProxySources("::ffff:10.0.0.20,::ffff:10.0.0.0/104")).toEqual([
      { address: "10.0.0.20", prefix: 32, family: "ipv4" },
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
    ]);
    const isTrusted = trusted("::ffff:10.0.0.0/104");
    expect(isTrusted("10.200.0.1")).toBe(true);
    expect(isTrusted("::ffff:10.200.0.1")).toBe(true);
    expect(isTrusted("11.0.0.1")).toBe(false);
    expect(parseProxySources("::ffff:10.0.0.0/64")).toContain("a ::ffff: range needs a prefix of at least 96");
  });
});
