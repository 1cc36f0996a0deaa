import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { WorkspaceChange } from "../../lib/backend/backend";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { DOCKER_SOCKET } from "../support/images";

/** The engine's socket passed through a socket of the test's own, whose connections the test can cut. */
function cuttableEngine() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "changes-lost-"));
  const socketPath = path.join(dir, "docker.sock");
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = net.connect(DOCKER_SOCKET);
    open.add(client);
    client.pipe(engine).pipe(client);
    const close = () => {
      open.delete(client);
      client.destroy();
      engine.destroy();
    };
    client.on("error", close).on("close", close);
    engine.on("error", close).on("close", close);
  });
  server.listen(socketPath);
  return {
    socketPath,
    cut: () => open.forEach((socket) => socket.destroy()),
    close: () => {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("the workspace change stream, when the connection to the engine breaks", () => {
  const engine = cuttableEngine();
  afterAll(() => engine.close());

  it("says it was lost, then opens again by itself and says so", async () => {
    const backend = new DockerBackend(new DockerRuntime(engine.socketPath), { instance: `lost-${process.pid}`, namePrefix: `lost-${process.pid}-`, network: `lost-${process.pid}-net` });
    const changes: WorkspaceChange["kind"][] = [];
    const unwatch = backend.watch((change) => changes.push(change.kind));
    try {
      await expect.poll(() => changes, { timeout: 30_000 }).toEqual(["resync"]);
      engine.cut();
      await expect.poll(() => changes, { timeout: 30_000 }).toEqual(["resync", "lost", "resync"]);
    } finally {
      unwatch();
    }
  });
});
