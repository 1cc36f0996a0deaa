import type Docker from "dockerode";
import { engineRecord } from "../lib/fixtures";

/** The engine's own account of an instance's containers starting and dying, in its order, against a cap. */
export interface EngineWatch {
  /** Owner subjects, in the order the engine started their containers. */
  starts: string[];
  maxRunning: number;
  /** Events after which more than the cap were running (each such moment counted once, when it begins). */
  overCapMoments: number;
  close(): void;
}

/** The tests' record of the engine's start and die events (nothing between two samples is missed), read against a cap. */
export async function watchEngine(docker: Docker, instance: string, cap: number): Promise<EngineWatch> {
  const record = await engineRecord(docker, instance);
  return {
    get starts() {
      return record.starts;
    },
    get maxRunning() {
      return record.maxRunning;
    },
    get overCapMoments() {
      return record.runningAfter.filter((running, i) => running > cap && (record.runningAfter[i - 1] ?? 0) <= cap).length;
    },
    close: () => record.close(),
  };
}
