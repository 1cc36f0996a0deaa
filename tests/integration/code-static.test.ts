import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import Docker from "dockerode";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { CodeStaticFiles } from "../../lib/apps/code-static";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { LABEL } from "../../lib/workspace/labels";
import { DOCKER_SOCKET, TEST_IMAGE, WORKSPACE_IMAGE } from "../support/images";

const log = pino({ level: "silent" });
const docker = new Docker({ socketPath: DOCKER_SOCKET });
const instance = `cs${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const labels = { [LABEL.instance]: instance, [LABEL.imageCopy]: "true" };
const roots: string[] = [];

function dataRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-static-"));
  roots.push(dir);
  return dir;
}

/** A real runtime that counts the copies it is asked for. */
function countingRuntime() {
  const runtime = new DockerRuntime(DOCKER_SOCKET);
  const copies: string[] = [];
  const copyFromImage = runtime.copyFromImage.bind(runtime);
  runtime.copyFromImage = (image, from, into, l) => {
    copies.push(from);
    return copyFromImage(image, from, into, l);
  };
  return { runtime, copies };
}

const copyContainersLeft = async () => (await docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${instance}`] } })).length;

describe("VS Code's static files copied out of the workspace image", () => {
  afterAll(() => {
    for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("copies the workbench out of the image once, gzips what is worth it, and reuses the copy on the next start", async () => {
    const root = dataRoot();
    const first = countingRuntime();
    const tree = await new CodeStaticFiles(first.runtime, WORKSPACE_IMAGE, root, labels, log).prepare();
    expect(tree?.version).toMatch(/^stable-[0-9a-f]{40}$/);
    const script = path.join(tree!.root, "out", "nls.messages.js");
    expect(fs.statSync(script).size).toBeGreaterThan(100_000);
    expect(gunzipSync(fs.readFileSync(`${script}.gz`)).equals(fs.readFileSync(script))).toBe(true);
    expect(first.copies.length).toBeGreaterThan(0);
    expect(await copyContainersLeft()).toBe(0);

    // A portal restart finds the finished copy and asks the engine for nothing.
    const second = countingRuntime();
    const again = await new CodeStaticFiles(second.runtime, WORKSPACE_IMAGE, root, labels, log).prepare();
    expect(again).toEqual(tree);
    expect(second.copies).toEqual([]);
  });

  it("stays out of the way for an image without code-server: nothing served, nothing left behind", async () => {
    const files = new CodeStaticFiles(new DockerRuntime(DOCKER_SOCKET), TEST_IMAGE, dataRoot(), labels, log);
    expect(await files.prepare()).toBeNull();
    expect(files.current).toBeNull();
    expect(await copyContainersLeft()).toBe(0);
  });

  it("says nothing is there for an image the engine does not have, without throwing", async () => {
    const files = new CodeStaticFiles(new DockerRuntime(DOCKER_SOCKET), "scitex-portal/no-such-image:never", dataRoot(), labels, log);
    expect(await files.prepare()).toBeNull();
  });
});
