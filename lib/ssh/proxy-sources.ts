import { BlockList, isIP } from "node:net";

/** One trusted load balancer: an address, or a range in CIDR notation (an address is a range of one). */
export interface ProxySource {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

export const PROXY_SOURCES_EXPECTED =
  "expected the load balancers' addresses or CIDR ranges separated by commas, e.g. 10.0.0.20,10.0.1.0/24,fd00::/64";

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:10.0.0.20` is how a dual-stack socket reports the IPv4 peer 10.0.0.20: one address, said once. */
export function plainAddress(address: string): string {
  const mapped = MAPPED.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

function parseEntry(entry: string): ProxySource | string {
  const [rawAddress = "", rawPrefix, ...rest] = entry.split("/");
  if (rest.length > 0) return `"${entry}" has more than one "/"`;
  let address = rawAddress;
  let prefix = rawPrefix === undefined ? undefined : Number(rawPrefix);
  if (rawPrefix !== undefined && !/^\d{1,3}$/.test(rawPrefix)) return `"${entry}": the part after "/" must be a prefix length such as 24`;
  const mapped = MAPPED.exec(address);
  if (mapped) {
    // An IPv4 range written as mapped IPv6 (::ffff:10.0.0.0/104) is the IPv4 range 10.0.0.0/8.
    if (prefix !== undefined && prefix < 96) return `"${entry}": a ::ffff: range needs a prefix of at least 96`;
    address = mapped[1]!;
    if (prefix !== undefined) prefix -= 96;
  }
  const version = isIP(address);
  if (version === 0) return `"${entry}" is not an IP address`;
  const max = version === 4 ? 32 : 128;
  if (prefix !== undefined && prefix > max) return `"${entry}": an IPv${version} prefix is at most ${max}`;
  return { address: address.toLowerCase(), prefix: prefix ?? max, family: version === 4 ? "ipv4" : "ipv6" };
}

/** The operator's list (SSH_PROXY_PROTOCOL_FROM), or what is wrong with it, said so it can be put right. */
export function parseProxySources(text: string): ProxySource[] | string {
  const entries = text.split(",").map((entry) => entry.trim());
  if (entries.some((entry) => entry === "")) return `${PROXY_SOURCES_EXPECTED} (an entry is empty)`;
  const sources: ProxySource[] = [];
  for (const entry of entries) {
    const source = parseEntry(entry);
    if (typeof source === "string") return `${source}; ${PROXY_SOURCES_EXPECTED}`;
    sources.push(source);
  }
  return sources;
}

/** Whether a peer's address is one of the trusted load balancers (mapped IPv4 peers match IPv4 ranges). */
export function proxySourceMatcher(sources: readonly ProxySource[]): (address: string | undefined) => boolean {
  if (sources.length === 0) return () => false;
  const list = new BlockList();
  for (const { address, prefix, family } of sources) list.addSubnet(address, prefix, family);
  return (address) => {
    if (!address) return false;
    const plain = plainAddress(address);
    const version = isIP(plain);
    return version !== 0 && list.check(plain, version === 4 ? "ipv4" : "ipv6");
  };
}
