import { afterAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import pino from "pino";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { HeldElsewhereError } from "../../lib/errors/workspace-errors";
import { UserRegistry } from "../../lib/identity/registry";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { openSqliteStore } from "../../lib/store/sqlite";
import { leaseProbe } from "../../lib/workspace/lease";
import { LABEL } from "../../lib/workspace/labels";
import { WorkspaceManager } from "../../lib/workspace/manager";
import type { StartProgress } from "../../lib/workspace/types";
import { DOCKER_SOCKET } from "../support/images";
import { run, workspaceFixture } from "../support/workspace-fixture";

const LEASE = "/home/user/.scitex/lease";

/** Polls `check` until it holds, for at most `ms`: for a state to be reached, never to time one. */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The lease probe's exit status in a container: 0 its first process holds it, 3 another copy does, 1 nobody yet. */
async function probe(docker: Docker, id: string, user: string): Promise<number> {
  const exec = await docker.getContainer(id).exec({ Cmd: leaseProbe(LEASE), User: user, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  stream.resume();
  await new Promise((resolve) => stream.on("end", resolve));
  return (await exec.inspect()).ExitCode ?? -1;
}

describe("at most one copy of a workspace: the lease in its home", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());
  const alice = { sub: "lease-alice", username: "alice" };

  /** Another portal process on the same data root (so the same home), naming its containers otherwise: a second copy. */
  const otherPortal = (startTimeoutMs: number) => {
    const settings = { ...fx.settings, namePrefix: `${fx.settings.namePrefix}b-`, startTimeoutMs };
    const backend = new DockerBackend(new DockerRuntime(DOCKER_SOCKET), settings);
    const registry = new UserRegistry(openSqliteStore(fx.dataRoot).db);
    return new WorkspaceManager({ backend, registry, settings, log: pino({ level: "silent" }) });
  };

  it("keeps the lease root's and read-only, so the user cannot remove it by mistake", async () => {
    const first = await fx.manager.ensureRunning(alice);
    expect(first.state).toBe("running");
    const result = await run(fx.manager, alice, `stat -c '%u %a %F' ~/.scitex ${LEASE}; rm -rf ~/.scitex 2>/dev/null; echo "rm: $?"; ls ~/.scitex`);
    expect(result.stdout).toBe(`0 755 directory\n0 444 regular empty file\nrm: 1\nlease\n`);
    expect(await probe(fx.docker, first.containerId!, await userOf(fx.docker, first.containerId!))).toBe(0);
  });

  it("never calls a second copy ready while the first holds the lease, and lets it take over once the first stops", async () => {
    const first = await fx.manager.status(alice);
    expect(first.state).toBe("running");
    const held = await fx.docker.getContainer(first.containerId!).inspect();
    const user = held.Config.User;
    // A second copy as a cluster would start it elsewhere: the same command, user, home and labels; named as
    // another portal process (otherPortal) names alice's workspace, so that portal finds it as hers.
    const copy = await fx.docker.createContainer({
      name: `${fx.settings.namePrefix}b-${first.slug}`,
      Image: held.Config.Image,
      Cmd: held.Config.Cmd,
      User: user,
      Env: held.Config.Env,
      WorkingDir: held.Config.WorkingDir,
      Labels: held.Config.Labels,
      HostConfig: { Binds: held.HostConfig.Binds, Tmpfs: held.HostConfig.Tmpfs, Init: true, ReadonlyRootfs: true, CapDrop: ["ALL"], NetworkMode: "none" },
    });
    await copy.start();
    // Deterministic, not "it waited N seconds": its first process is blocked in flock on fd 8 (fd 9 only once it
    // holds the lock), and the lock cannot be taken there while the first copy's process holds it.
    await until("the copy's first process waits in flock", async () => {
      const top = (await copy.top({ ps_args: "-o pid,args" })) as { Processes: string[][] };
      return top.Processes.some((p) => p[1] === "flock 8");
    });
    expect(await probe(fx.docker, copy.id, user)).toBe(3);
    expect(await probe(fx.docker, held.Id, user)).toBe(0);

    // The portal that finds the copy as alice's workspace: not running to it, nothing to exec in, never ready.
    const other = otherPortal(3_000);
    expect((await other.status(alice)).state).toBe("starting");
    await expect(other.exec(alice, { cmd: ["true"], tty: false })).rejects.toBeInstanceOf(HeldElsewhereError);
    const progress: StartProgress[] = [];
    const error = await other.ensureRunning(alice, (p) => progress.push(p)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeldElsewhereError);
    expect((error as Error).message).toMatch(/still running elsewhere.*once that copy stops/);
    expect(progress.map((p) => p.message)).toContain(HeldElsewhereError.MESSAGE);
    expect(progress.map((p) => p.step)).not.toContain("ready");
    expect(await probe(fx.docker, copy.id, user)).toBe(3);

    // The holder stops: the waiting copy takes the lease, and is ready.
    await fx.manager.stop(alice);
    await until("the copy takes the lease", async () => (await probe(fx.docker, copy.id, user)) === 0);
    expect((await other.ensureRunning(alice)).state).toBe("running");
    expect((await run(other, alice, "echo from the copy")).stdout).toBe("from the copy\n");

    // Now the first is the second copy: started again, it waits and is never called ready.
    const again = new WorkspaceManager({
      backend: fx.backend,
      registry: new UserRegistry(openSqliteStore(fx.dataRoot).db),
      settings: { ...fx.settings, startTimeoutMs: 3_000 },
      log: pino({ level: "silent" }),
    });
    await expect(again.ensureRunning(alice)).rejects.toBeInstanceOf(HeldElsewhereError);
    expect(await probe(fx.docker, held.Id, user)).toBe(3);

    // The copy stops: the first takes the lease back and is ready.
    await other.stop(alice);
    expect((await fx.manager.ensureRunning(alice)).state).toBe("running");
    expect(await probe(fx.docker, held.Id, user)).toBe(0);
    expect((await run(fx.manager, alice, "echo ok")).stdout).toBe("ok\n");
  });

  it("keeps a user who renames ~/.scitex away from making two copies: the holder takes the lease again, or ends itself", async () => {
    const bob = { sub: "lease-bob", username: "bob" };
    const ws = await fx.manager.ensureRunning(bob);
    const user = await userOf(fx.docker, ws.containerId!);
    await run(fx.manager, bob, "mv ~/.scitex ~/old-scitex");
    // Nobody else holds one: within its recheck the holder makes the lease again (its own now) and holds it.
    await until("the holder takes the lease at its place again", async () => (await probe(fx.docker, ws.containerId!, user)) === 0);
    expect((await run(fx.manager, bob, `stat -c %u ${LEASE}`)).stdout.trim()).toBe(user.split(":")[0]);
    // Someone else holds the file now at the lease's path (as another copy would): the holder ends itself.
    await run(fx.manager, bob, `mv ~/.scitex ~/old-scitex-2 && mkdir ~/.scitex && : >${LEASE} && (setsid flock ${LEASE} sleep 3600 </dev/null >/dev/null 2>&1 &)`);
    await until("the holder ends itself", async () => !(await fx.docker.getContainer(ws.containerId!).inspect()).State.Running);
    const ended = await fx.manager.status(bob);
    expect(ended.exitCode).toBe(75);
    expect(await fx.backend.logs((await fx.backend.find(ws.slug))!, 5)).toMatch(/another copy of this workspace holds .*this copy stops/);
    // The next start from the portal makes the lease root's again (the user's file moved aside) and runs.
    expect((await fx.manager.ensureRunning(bob)).state).toBe("running");
    expect((await run(fx.manager, bob, `stat -c '%u %a' ${LEASE}; ls -d ~/.scitex.moved-* 2>/dev/null | wc -l`)).stdout).toBe("0 444\n0\n");
  });
});

async function userOf(docker: Docker, id: string): Promise<string> {
  return (await docker.getContainer(id).inspect()).Config.User;
}
