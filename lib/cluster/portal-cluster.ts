import type { Logger } from "pino";
import type { PortalStore } from "../store/store";
import { DepartedShells } from "./departed-shells";
import { SharedLeadership, SoleLeadership, type LeaderTask, type Leadership } from "./leadership";
import { liveProcesses, newProcessId, sessionName } from "./presence";

/** This process among the portal's processes: its id, whether it leads, and who else is alive. */
export interface PortalCluster {
  readonly processId: string;
  readonly leadership: Leadership;
  /** The processes alive now, this one included (only this one on SQLite); throws when the database cannot say. */
  alive(): Promise<Set<string>>;
  /** Starts trying for the lead (at once on SQLite), and watching for processes that die. */
  start(): void;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  store: PortalStore;
  /** What the leader alone runs. */
  tasks: LeaderTask[];
  log: Logger;
  onLeadChange: (leading: boolean) => void;
  /** Ends every portal shell in the running workspaces but those of the processes alive. */
  endShellsExcept: (alive: Set<string>) => Promise<unknown>;
  retryMs?: number;
}

export function portalCluster(options: ClusterOptions): PortalCluster {
  const processId = newProcessId();
  const { store, tasks, log } = options;
  const openSession = store.openSession?.bind(store);
  if (!openSession) {
    const leadership = new SoleLeadership(tasks, options.onLeadChange);
    return {
      processId,
      leadership,
      alive: async () => new Set([processId]),
      start: () => leadership.start(),
      stop: () => leadership.stop(),
    };
  }
  const leadership = new SharedLeadership({
    openSession: () => openSession(sessionName(processId)),
    tasks,
    log,
    onChange: (leading) => {
      options.onLeadChange(leading);
      if (leading) departed.tookLead();
    },
    ...(options.retryMs ? { retryMs: options.retryMs } : {}),
  });
  const alive = async () => liveProcesses(await leadership.connect());
  const departed = new DepartedShells(alive, () => leadership.leading, options.endShellsExcept, log);
  log.info({ processId }, "portal process on a shared database");
  return {
    processId,
    leadership,
    alive,
    start() {
      leadership.start();
      departed.start();
    },
    async stop() {
      departed.stop();
      await leadership.stop();
    },
  };
}
