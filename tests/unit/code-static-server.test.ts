import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaticTree } from "../../lib/apps/code-static";
import { CodeStaticServer } from "../../server/proxy/code-static";

const VERSION = `stable-${"a".repeat(40)}`;
const SCRIPT = "console.log('workbench');\n".repeat(100);

describe("CodeStaticServer (VS Code's static files from the image's copy)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-static-unit-"));
  const files = { current: null as StaticTree | null };
  const statics = new CodeStaticServer(files);
  let base = "";
  let server: http.Server;

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, "out"));
    fs.writeFileSync(path.join(dir, "out", "main.js"), SCRIPT);
    fs.writeFileSync(path.join(dir, "out", "main.js.gz"), gzipSync(SCRIPT));
    fs.writeFileSync(path.join(os.tmpdir(), "outside-the-tree.txt"), "secret");
    // What the proxy does: the code route's path goes to the static server; a miss or a refusal goes upstream.
    server = http.createServer((req, res) => {
      const upstream = () => res.writeHead(299, { "x-upstream": "yes" }).end("from code-server");
      if (!statics.serve(req, res, req.url!)) upstream();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), "outside-the-tree.txt"), { force: true });
  });

  it("leaves every request to code-server until the copy is ready", async () => {
    files.current = null;
    const response = await fetch(`${base}/${VERSION}/static/out/main.js`);
    expect(response.headers.get("x-upstream")).toBe("yes");
    files.current = { root: dir, version: VERSION };
  });

  it("serves a copied file with a year's caching, and its gzip to a browser that accepts it", async () => {
    const plain = await fetch(`${base}/${VERSION}/static/out/main.js`, { headers: { "accept-encoding": "identity" } });
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe(SCRIPT);
    expect(plain.headers.get("cache-control")).toBe("public,max-age=31536000,immutable");
    expect(plain.headers.get("content-type")).toBe("text/javascript");
    expect(plain.headers.get("x-served-from")).toBe("workspace-image");

    const zipped = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`${base}/${VERSION}/static/out/main.js`, { headers: { "accept-encoding": "gzip, br" } }, resolve),
    );
    zipped.resume();
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(Number(zipped.headers["content-length"])).toBe(gzipSync(SCRIPT).length);
  });

  it("answers a revalidation with 304", async () => {
    const first = await fetch(`${base}/${VERSION}/static/out/main.js`);
    await first.arrayBuffer();
    const again = await fetch(`${base}/${VERSION}/static/out/main.js`, { headers: { "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  it("sends to code-server what the copy does not hold: other files, other versions, other methods", async () => {
    for (const [url, method] of [
      [`/${VERSION}/static/out/missing.js`, "GET"],
      [`/stable-${"b".repeat(40)}/static/out/main.js`, "GET"],
      [`/${VERSION}/out/main.js`, "GET"],
      [`/${VERSION}/static/out/main.js`, "POST"],
    ] as const) {
      const response = await fetch(base + url, { method });
      expect(response.headers.get("x-upstream"), `${method} ${url}`).toBe("yes");
    }
  });

  it("never serves a file outside the copy, however the path is spelled", async () => {
    for (const url of [`/${VERSION}/static/../../outside-the-tree.txt`, `/${VERSION}/static/out/%2e%2e/%2e%2e/outside-the-tree.txt`, `/${VERSION}/static/%2e%2e%2f%2e%2e%2foutside-the-tree.txt`]) {
      const response = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: "127.0.0.1", port: new URL(base).port, path: url }, resolve));
      let body = "";
      for await (const chunk of response) body += chunk;
      expect(body, url).not.toContain("secret");
    }
  });
});
