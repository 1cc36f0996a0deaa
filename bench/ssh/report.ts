import os from "node:os";
import { goalsTable, type Goal } from "../lib/goals";
import { fmt, formatTable } from "../lib/table";
import { TARGET_LABEL, type SshResults, type TargetKind } from "./results";
import { TARGET_KINDS } from "./target";


/** The figures of both servers side by side with their ratio, what each negotiated, and the goals of issue #6. */
export function renderReport(r: SshResults): string {
  const both = (pick: (kind: TargetKind) => number, decimals: number) => {
    const [gateway, sshd] = TARGET_KINDS.map(pick);
    return [fmt(gateway, decimals), fmt(sshd, decimals), fmt(gateway! / sshd!, 2)];
  };
  const runs = (kind: TargetKind) => r.throughput[kind]?.runs.map((x) => fmt(x.bytes / 1e6 / x.seconds, 0)).join(" ") || "n/a";
  const figures = formatTable([
    ["", ...TARGET_KINDS.map((k) => TARGET_LABEL[k]), "gateway / sshd"],
    [`throughput, MB/s (median, head -c ${r.sizeArg} /dev/zero)`, ...both((k) => r.throughput[k]?.mbPerSecond ?? Number.NaN, 1)],
    ["  runs, MB/s", runs("gateway"), runs("sshd"), ""],
    ["  server CPU, s per GB (portal process | sshd + docker CLI)", ...both((k) => r.throughput[k]?.cpuPerGb ?? Number.NaN, 2)],
    [`connect + true, ms median (${r.connectRuns} runs)`, ...both((k) => r.connect[k]?.p50 ?? Number.NaN, 0)],
    ["connect + true, ms p90", ...both((k) => r.connect[k]?.p90 ?? Number.NaN, 0)],
  ]);

  const algorithms = formatTable([
    ["negotiated (ssh -v)", "server", "kex", "host key", "cipher server->client", "MAC"],
    ...TARGET_KINDS.map((k) => {
      const n = r.negotiated[k];
      return [TARGET_LABEL[k], n?.server ?? "n/a", n?.kex ?? "n/a", n?.hostKey ?? "n/a", n?.cipher ?? "n/a", n?.mac ?? "n/a"];
    }),
  ]);
  const forced = `client forces KexAlgorithms=${r.kex}${r.cipher ? ` and Ciphers=${r.cipher}` : "; ciphers as the client prefers"}`;
  const binding = `ssh2 native crypto binding: ${r.ssh2Binding ? "built (C chacha20-poly1305 / AES-GCM)" : "NOT built (JS fallback; npm 11 skipped ssh2's install script)"}`;

  const tp = (k: TargetKind) => r.throughput[k]?.mbPerSecond ?? Number.NaN;
  const connect = (k: TargetKind) => r.connect[k]?.p50 ?? Number.NaN;
  const goals: Goal[] = [
    { what: "throughput gateway / sshd", value: tp("gateway") / tp("sshd"), goal: ">= 0.6", met: (v) => v >= 0.6 },
    { what: "connect + true median, gateway / sshd", value: connect("gateway") / connect("sshd"), goal: "<= 1.0 (no slower)", met: (v) => v <= 1 },
  ];
  const goalTable = goalsTable(goals);
  const errors = r.errors.length ? `\nCould not measure:\n${r.errors.map((e) => `  - ${e}`).join("\n")}\n` : "";
  const load = `load average ${fmt(r.load.start, 1)} at the start, ${fmt(r.load.end, 1)} at the end (${os.cpus().length} CPUs)`;
  return `\n${figures}\n(${load})\n\n${algorithms}\n(${forced}; ${binding})\n\n${goalTable}\n${errors}`;
}
