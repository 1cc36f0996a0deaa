import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import {
  ContainerExitedError,
  DockerUnavailableError,
  ImageMissingError,
  NameConflictError,
} from "../../lib/errors/workspace-errors";
import { containerName } from "../../lib/workspace/spec";
import { DOCKER_SOCKET, TEST_IMAGE } from "../support/images";
import { run, workspaceFixture } from "../support/workspace-fixture";

/** A socket that forwards to the real engine until closed: the daemon "going away" under a running portal. */
async function engineProxy(): Promise<{ socketPath: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-proxy-"));
  const socketPath = path.join(dir, "docker.sock");
  const clients = new Set<net.Socket>();
  const server = net.createServer((client) => {
    clients.add(client);
    const upstream = net.connect(DOCKER_SOCKET);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      clients.delete(client);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    async stop() {
      for (const c of clients) c.destroy();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("clear errors, nothing half made", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());

  it("says Docker is unreachable when the engine goes away, and recovers when it is back", async () => {
    const proxy = await engineProxy();
    const user = { sub: "err-carol", username: "carol" };
    const manager = fx.newManager(new DockerRuntime(proxy.socketPath));
    expect((await manager.ensureRunning(user)).state).toBe("running");
    await proxy.stop();
    const error = await manager.status(user).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnavailableError);
    expect((error as Error).message).toMatch(/container engine is not reachable at unix:\/\/.*docker\.sock/);
    // The workspace itself never noticed: a portal with a working connection finds it running.
    expect((await fx.manager.status(user)).state).toBe("running");
  });

  it("names the missing image and how to build it", async () => {
    const missing = workspaceFixture({ WORKSPACE_IMAGE: "scitex-portal/does-not-exist:1" });
    try {
      const error = await missing.manager.ensureRunning({ sub: "x", username: "dave" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageMissingError);
      expect((error as Error).message).toContain('"scitex-portal/does-not-exist:1" is not present');
      expect((await missing.manager.status({ sub: "x", username: "dave" })).state).toBe("none");
    } finally {
      await missing.cleanup();
    }
  });

  it("reports a container that exits at start with its output, and leaves no container behind", async () => {
    const tag = `scitex-portal/broken-test:${process.pid}`;
    await buildBrokenImage(fx.docker, tag);
    const broken = workspaceFixture({ WORKSPACE_IMAGE: tag });
    try {
      const user = { sub: "b", username: "erin" };
      const error = await broken.manager.ensureRunning(user).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContainerExitedError);
      expect((error as ContainerExitedError).exitCode).toBe(3);
      expect((error as Error).message).toContain("the workspace shell is broken");
      expect((await broken.manager.status(user)).state).toBe("none");
    } finally {
      await broken.cleanup();
      await fx.docker.getImage(tag).remove({ force: true }).catch(() => {});
    }
  });

  it("refuses to adopt a container with the workspace's name that belongs to someone else", async () => {
    const user = { sub: "err-frank", username: "frank" };
    const slug = (await fx.manager.status(user)).slug;
    const squatter = await fx.docker.createContainer({ name: containerName(fx.settings, slug), Image: TEST_IMAGE });
    try {
      const error = await fx.manager.ensureRunning(user).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NameConflictError);
      expect((error as Error).message).toContain(containerName(fx.settings, slug));
    } finally {
      await squatter.remove({ force: true });
    }
  });

  it("makes one container when many requests open the same workspace at once", async () => {
    const user = { sub: "err-grace", username: "grace" };
    const results = await Promise.all(Array.from({ length: 8 }, () => fx.manager.ensureRunning(user)));
    expect(new Set(results.map((r) => r.containerId)).size).toBe(1);
    expect((await run(fx.manager, user, "echo one")).stdout).toBe("one\n");
  });
});

async function buildBrokenImage(docker: import("dockerode"), tag: string): Promise<void> {
  // The workspace's keep-alive runs /bin/sh; here it prints a complaint and exits 3 at once.
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    User: "root",
    Cmd: ["bash", "-c", "rm /bin/sh && printf '#!/bin/bash\\necho the workspace shell is broken >&2\\nexit 3\\n' > /bin/sh && chmod 755 /bin/sh"],
  });
  await container.start();
  await container.wait();
  const [repo, tagName] = tag.split(":");
  await container.commit({ repo, tag: tagName, changes: ["USER user"] } as never);
  await container.remove();
}
