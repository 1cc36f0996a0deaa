import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainsFor } from "../../lib/network/egress-rules";
import { startPortal, type PortalProcess } from "../support/portal-process";

const TOKEN = "readiness-scrape-token-0123";

interface ReadyzAnswer {
  status: number;
  body: { status: string; checks: Record<string, string> };
}

async function readyz(portal: PortalProcess): Promise<ReadyzAnswer> {
  const res = await fetch(`${portal.url}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyzAnswer["body"] };
}

/** Rounds of readiness checks the portal has run, from its own metrics. */
async function rounds(portal: PortalProcess): Promise<number> {
  const text = await (await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const value = text.match(/^scitex_readiness_checks_total (\S+)$/m)?.[1];
  if (value === undefined) throw new Error("the portal reports no scitex_readiness_checks_total");
  return Number(value);
}

async function bridgeOf(portal: PortalProcess): Promise<string> {
  const info = await portal.docker.getNetwork(`${portal.instance}-net`).inspect();
  return (info.Options as Record<string, string> | undefined)?.["com.docker.network.bridge.name"] ?? `br-${String(info.Id).slice(0, 12)}`;
}

const iptables = (...args: string[]) => execFileSync("iptables", ["-w", "5", ...args], { stdio: "pipe" });

describe("/readyz under a flood", () => {
  // One round answers for ten minutes here, so that "one round" cannot depend on how fast this machine is.
  let sharing: PortalProcess;
  // No fresh time: every call after the last round has finished runs a new one, so a failure shows at once.
  let unshared: PortalProcess;
  beforeAll(async () => {
    [sharing, unshared] = await Promise.all([
      startPortal({ METRICS_TOKEN: TOKEN, READYZ_CACHE_SECONDS: "600" }),
      startPortal({ METRICS_TOKEN: TOKEN, READYZ_CACHE_SECONDS: "0" }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([sharing?.cleanup(), unshared?.cleanup()]);
  });

  it("answers 100 concurrent calls and 20 more after them with one round of checks", async () => {
    const before = await rounds(sharing);
    const together = await Promise.all(Array.from({ length: 100 }, () => readyz(sharing)));
    const after: ReadyzAnswer[] = [];
    for (let i = 0; i < 20; i++) after.push(await readyz(sharing));
    for (const answer of [...together, ...after]) {
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe("ready");
      expect(answer.body.checks).toMatchObject({ docker: "ok", database: "ok", egress: "ok" });
    }
    expect((await rounds(sharing)) - before).toBe(1);
  });

  it("reports a firewall rule taken away to every caller, and ready again once it is back", async () => {
    expect((await readyz(unshared)).status).toBe(200);
    const bridge = await bridgeOf(unshared);
    const { forward } = chainsFor(bridge);
    iptables("-D", "DOCKER-USER", "-i", bridge, "-j", forward);
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => readyz(unshared)));
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.body.status).toBe("not ready");
        expect(answer.body.checks.egress).toMatch(/egress firewall rules .* are missing/);
        expect(answer.body.checks.docker).toBe("ok");
      }
    } finally {
      iptables("-I", "DOCKER-USER", "1", "-i", bridge, "-j", forward);
    }
    const back = await readyz(unshared);
    expect(back.status).toBe(200);
    expect(back.body.checks.egress).toBe("ok");
  });
});
