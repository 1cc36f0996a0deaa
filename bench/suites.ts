import { runSshSuite } from "./ssh/suite";
import { runProxySuite } from "./proxy/suite";
import { runTerminalSuite } from "./terminal/suite";
import { runPageSuite } from "./page/suite";
import { runClusterSuite } from "./cluster/suite";
import { runReplicasSuite } from "./replicas/suite";

export interface Suite {
  name: string;
  description: string;
  /** Resolves true when every figure was measured (goals are reported, never enforced). */
  run(): Promise<boolean>;
}

/** Every suite `npm run bench` knows; later issues add theirs here, each in its own folder. */
export const SUITES: Suite[] = [
  {
    name: "terminal",
    description: "web terminal throughput and echo latency vs WeTTY and the bare Docker API; Open Workspace times (issue #4)",
    run: runTerminalSuite,
  },
  {
    name: "ssh",
    description: "SSH gateway throughput and connect + `true` latency vs OpenSSH sshd into the same workspace (issue #6)",
    run: runSshSuite,
  },
  {
    name: "page",
    description: "the terminal page in Chromium beside WeTTY's (DOM and WebGL): keystroke to screen, seq 1 1000000 drawn and the longest task (issue #13)",
    run: runPageSuite,
  },
  {
    name: "proxy",
    description: "VS Code assets through the portal's proxy vs direct and configurable-http-proxy; a soak of its memory and sockets (issue #5)",
    run: runProxySuite,
  },
  {
    name: "cluster",
    description:
      "workspaces on the Swarm test cluster vs this host's engine: open hot/warm/cold, stop -> slot free, node loss, a partition's copies, the terminal's TLS path, list/inspect at N (issue #16)",
    run: runClusterSuite,
  },
  {
    name: "replicas",
    description:
      "portal processes on one PostgreSQL: kill -9 -> terminals back (same shell), SSH logins meanwhile, forwarded vs direct echo, start-line order at cap 2, database round trips per Open Workspace (issue #17)",
    run: runReplicasSuite,
  },
];
