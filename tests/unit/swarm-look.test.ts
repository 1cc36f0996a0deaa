import { describe, expect, it } from "vitest";
import type { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { SwarmBackend } from "../../lib/backend/swarm/swarm-backend";
import { pollDelay } from "../../lib/backend/swarm/poll";
import { LABEL } from "../../lib/backend/labels";

const notFound = () => Object.assign(new Error("no such service"), { statusCode: 404 });

/** A manager that answers what a look at one workspace asks: its service, its tasks (by the service's name), the nodes. */
function managerWith(service: object | null, tasks: object[]) {
  const asked: string[] = [];
  const client = {
    getService: (name: string) => ({
      inspect: async () => {
        asked.push(`service ${name}`);
        if (!service) throw notFound();
        return service;
      },
    }),
    listTasks: async (options: { filters: { service: string[] } }) => {
      asked.push(`tasks ${options.filters.service.join(",")}`);
      if (!service) throw notFound();
      return tasks;
    },
    listNodes: async () => [{ ID: "n2", Description: { Hostname: "w2" }, Status: { State: "ready", Addr: "10.0.0.12" } }],
  };
  return { manager: { client, endpoint: "tcp://manager:2376" } as unknown as DockerRuntime, asked };
}

const settings = {
  instance: "i1",
  namePrefix: "p-",
  network: "ws",
  homesPath: "/srv/homes",
  constraints: [],
  reserveFraction: 0,
  stopTimeoutSeconds: 2,
  nodePort: 2376,
  tls: { ca: Buffer.from(""), cert: Buffer.from(""), key: Buffer.from("") },
  capacityWaitMs: 1000,
  startTimeoutMs: 1000,
  nodesNoNewPrivileges: true,
};

const service = {
  ID: "s-now",
  Version: { Index: 7 },
  Spec: { Name: "p-alice", Labels: { [LABEL.slug]: "alice", "org.scitex.portal.started-once": "true" }, Mode: { Replicated: { Replicas: 0 } }, TaskTemplate: {} },
};
const task = (id: string, serviceId: string, state: string, at: number) => ({
  ID: id,
  ServiceID: serviceId,
  NodeID: "n2",
  CreatedAt: new Date(Date.UTC(2026, 11, 4, 9, 0, at)).toISOString(),
  DesiredState: state === "running" ? "running" : "shutdown",
  Status: { State: state },
});

describe("a look at one workspace on a swarm", () => {
  it("asks for the service and its tasks (by the service's name) together, and keeps only that service's tasks", async () => {
    // A service of the same name removed and made again between the two answers: the newer task is not this one's.
    const { manager, asked } = managerWith(service, [task("t1", "s-now", "shutdown", 1), task("t2", "s-gone", "running", 2)]);
    const placement = await new SwarmBackend(manager, settings).find("alice");
    expect(asked).toEqual(expect.arrayContaining(["service p-alice", "tasks p-alice"]));
    expect(placement?.state).toBe("stopped");
  });

  it("finds nothing when there is no such service, though its tasks' question then fails too", async () => {
    const { manager } = managerWith(null, []);
    expect(await new SwarmBackend(manager, settings).find("alice")).toBeNull();
  });
});

describe("the workspace image at the registry, asked through the manager", () => {
  const digest = `sha256:${"1".repeat(64)}`;
  const backendAsking = (has: boolean) => {
    const asked: string[] = [];
    const client = {
      getImage: (ref: string) => ({
        distribution: async () => {
          asked.push(ref);
          return { Descriptor: { digest: has ? digest : `sha256:${"2".repeat(64)}` } };
        },
      }),
    };
    const manager = { client, endpoint: "tcp://manager:2376" } as unknown as DockerRuntime;
    return { backend: new SwarmBackend(manager, settings), asked };
  };

  it("asks once for a digest the registry has: a start right after another does not ask again", async () => {
    const { backend, asked } = backendAsking(true);
    const ref = `10.0.0.5:5000/ws@${digest}`;
    expect(await backend.imageId(ref)).toBe(digest);
    expect(await backend.imageId(ref)).toBe(digest);
    expect(asked).toEqual([ref]);
  });

  it("asks every time for one it does not have, so a pushed image is found at the next start", async () => {
    const { backend, asked } = backendAsking(false);
    const ref = `10.0.0.5:5000/ws@${digest}`;
    expect(await backend.imageId(ref)).toBeNull();
    expect(await backend.imageId(ref)).toBeNull();
    expect(asked).toEqual([ref, ref]);
  });
});

describe("how often a start asks the manager about its task", () => {
  it("often at first, then less, however long it waits", () => {
    expect(pollDelay(0)).toBe(50);
    expect(pollDelay(2999)).toBe(50);
    expect(pollDelay(3000)).toBe(200);
    expect(pollDelay(600_000)).toBe(200);
  });
});
