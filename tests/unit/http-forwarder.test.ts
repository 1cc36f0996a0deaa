import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpForwarder, type ForwardHooks } from "../../server/proxy/http-forwarder";
import { rewritingHtml } from "../../server/proxy/html-rewrite";
import { freePort } from "../support/free-port";

// A real upstream and a real front server on loopback: the forwarder between them is what is under test.
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function listen(handler: Handler): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

describe("HttpForwarder", () => {
  const forwarder = new HttpForwarder({ timeoutMs: 2_000, connectionsPerUpstream: 4 });
  let upstream: { server: http.Server; origin: string };
  let front: { server: http.Server; origin: string };
  let upstreamHandler: Handler = (_req, res) => res.end("unset");
  let target = "";
  let errors: { code?: string; answered: boolean }[] = [];
  let hooks: Partial<ForwardHooks> = {};

  beforeAll(async () => {
    upstream = await listen((req, res) => upstreamHandler(req, res));
    target = upstream.origin;
    front = await listen((req, res) =>
      forwarder.forward(req, res, target, `/up${req.url}`, {
        onResponse: (status, headers) => hooks.onResponse?.(status, headers),
        rewrite: (status, headers) => hooks.rewrite?.(status, headers) ?? null,
        onError: (error, answered) => {
          errors.push({ code: error.code, answered });
          if (!answered) {
            res.writeHead(502);
            res.end(`bad gateway: ${error.code}`);
          }
        },
      }),
    );
  });

  afterAll(() => {
    forwarder.close();
    upstream.server.close();
    front.server.close();
  });

  it("passes method, path, query, body and end-to-end headers, and drops connection-level ones", async () => {
    let seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    upstreamHandler = (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body };
        res.writeHead(201, { "x-answer": "42", "keep-alive": "timeout=99" });
        res.end("made");
      });
    };
    // node:http, not fetch: fetch will not send a Connection header.
    const response = await new Promise<{ status?: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(`${front.origin}/a/b?x=1&y=%20`, {
        method: "POST",
        headers: { "content-type": "text/plain", "x-custom": "kept", connection: "keep-alive, x-secret", "x-secret": "hop" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end("Grüße");
    });
    expect(response.status).toBe(201);
    expect(response.body).toBe("made");
    expect(response.headers["x-answer"]).toBe("42");
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/up/a/b?x=1&y=%20");
    expect(seen.body).toBe("Grüße");
    expect(seen.headers?.["x-custom"]).toBe("kept");
    expect(seen.headers?.["x-secret"]).toBeUndefined();
    expect(seen.headers?.host).toBe(new URL(front.origin).host);
  });

  it("streams a chunked upload and a large chunked answer", async () => {
    upstreamHandler = (req, res) => {
      let bytes = 0;
      req.on("data", (c: Buffer) => (bytes += c.length));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        for (let i = 0; i < 64; i++) res.write(Buffer.alloc(64 * 1024, i));
        res.end(String(bytes));
      });
    };
    const upload = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(100_000));
        controller.close();
      },
    });
    const response = await fetch(`${front.origin}/upload`, { method: "PUT", body: upload, duplex: "half" } as RequestInit);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(64 * 64 * 1024 + "1000000".length);
    expect(body.subarray(-7).toString()).toBe("1000000");
  });

  it("lets the caller rewrite the answer's headers, a single Set-Cookie included", async () => {
    upstreamHandler = (_req, res) => {
      res.writeHead(302, { location: "/login", "set-cookie": "next-auth.session-token=evil; Path=/" });
      res.end();
    };
    hooks = {
      onResponse: (_status, headers) => {
        headers.location = `/prefix${headers.location as string}`;
        expect(headers["set-cookie"]).toBeDefined();
        delete headers["set-cookie"];
      },
    };
    const response = await fetch(`${front.origin}/`, { redirect: "manual" });
    hooks = {};
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/prefix/login");
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("passes a body the upstream cut off as cut off, never as complete", async () => {
    upstreamHandler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first half");
      setTimeout(() => res.socket?.destroy(), 50);
    };
    const response = await fetch(`${front.origin}/cut`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it("reports a port nobody listens on as ECONNREFUSED before anything was sent", async () => {
    errors = [];
    target = `http://127.0.0.1:${await freePort()}`;
    const response = await fetch(`${front.origin}/`);
    target = upstream.origin;
    expect(response.status).toBe(502);
    expect(await response.text()).toBe("bad gateway: ECONNREFUSED");
    expect(errors).toEqual([{ code: "ECONNREFUSED", answered: false }]);
  });

  it("gives up on an upstream that does not answer in time", async () => {
    errors = [];
    upstreamHandler = () => undefined; // never answers
    const response = await fetch(`${front.origin}/slow`);
    expect(response.status).toBe(502);
    expect(errors[0]?.code).toBe("UND_ERR_HEADERS_TIMEOUT");
  });

  it("stops the upstream request when the browser goes away", async () => {
    errors = [];
    let upstreamClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    upstreamHandler = (req, res) => {
      res.writeHead(200);
      res.write("partial");
      res.on("close", () => upstreamClosed());
      void req;
    };
    const controller = new AbortController();
    const response = await fetch(`${front.origin}/stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await closed;
    expect(errors).toEqual([]); // the browser leaving is nobody's error
  });

  it("passes a body through the caller's rewrite, without the upstream's length", async () => {
    upstreamHandler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-length": "42" });
      res.write("<html><head><title>x</title>");
      setTimeout(() => res.end("</head></html>"), 20);
    };
    hooks = { rewrite: (status) => (status === 200 ? rewritingHtml((html) => html.replace("</head>", "<script></script></head>")) : null) };
    try {
      const answer = await fetch(`${front.origin}/page`);
      expect(answer.headers.get("content-length")).toBeNull();
      expect(await answer.text()).toBe("<html><head><title>x</title><script></script></head></html>");
    } finally {
      hooks = {};
    }
  });
});
