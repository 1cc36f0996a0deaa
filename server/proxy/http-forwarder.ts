import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";

/** What the caller does to a response on its way back, and what it says when the upstream fails. */
export interface ForwardHooks {
  /** May rewrite the upstream's headers in place (cookies, redirects) before they are sent. */
  onResponse(status: number, headers: IncomingHttpHeaders): void;
  /** The upstream failed; `answered` says whether the response had already begun (then it has been cut). */
  onError(error: Error & { code?: string }, answered: boolean): void;
}

export interface ForwarderOptions {
  /** Longest wait for the upstream's headers, and longest silence inside its body. */
  timeoutMs: number;
  /** Keep-alive connections per upstream (one upstream is one port of one workspace). */
  connectionsPerUpstream: number;
}

// Connection-level headers: they describe one hop and must not be passed on (RFC 9110 §7.6.1); and `expect`,
// which Node's server has already answered with 100-continue.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"];
// An idle keep-alive connection to a workspace is closed after this long (sooner when the upstream says so).
const IDLE_SOCKET_MS = 30_000;

/**
 * Plain HTTP to workspaces: node:http on a keep-alive agent, and nothing else per request. node-http-proxy's
 * chain of passes costs more CPU than the forwarding itself, and throughput here is bounded by CPU (measured on
 * this machine, proxy CPU per request: a 559-byte asset about 120 µs against 150 µs through http-proxy-3; a
 * 1 MB chunked body 1.1 ms, against 1.4 to 1.6 ms through undici, whose WASM parser copies every body chunk). WebSocket
 * upgrades stay with http-proxy-3.
 */
export class HttpForwarder {
  private readonly agent: http.Agent;
  private readonly targets = new Map<string, { hostname: string; port: number }>();

  constructor(private readonly options: ForwarderOptions) {
    // `timeout` also lets the agent honour an upstream's Keep-Alive hint (code-server: 5 s) and retire an idle
    // connection before the upstream does, instead of reusing one it is closing.
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: options.connectionsPerUpstream,
      maxFreeSockets: options.connectionsPerUpstream,
      timeout: IDLE_SOCKET_MS,
    });
  }

  /** Sends `req` (its method, headers and body; the path given) to `origin` and streams the answer into `res`. */
  forward(req: IncomingMessage, res: ServerResponse, origin: string, path: string, hooks: ForwardHooks): void {
    const { hostname, port } = this.target(origin);
    const upstream = http.request({ hostname, port, method: req.method, path, headers: stripHopByHop(req.headers), agent: this.agent });
    let browserLeft = false;
    const onClose = () => {
      if (res.writableFinished) return;
      browserLeft = true;
      upstream.destroy();
    };
    res.once("close", onClose);
    upstream.setTimeout(this.options.timeoutMs, () => upstream.destroy(Object.assign(new Error("upstream timed out"), { code: "ETIMEDOUT" })));
    upstream.on("response", (answer) => {
      const headers = stripHopByHop(answer.headers);
      hooks.onResponse(answer.statusCode ?? 502, headers);
      res.writeHead(answer.statusCode ?? 502, headers as Record<string, string | string[]>);
      answer.pipe(res);
      // A body cut off upstream must look cut off to the browser, never complete.
      answer.once("close", () => {
        if (!answer.complete) res.destroy();
      });
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error: Error & { code?: string }) => {
      res.off("close", onClose);
      if (browserLeft) return; // nobody to tell, and not the upstream's fault
      const answered = res.headersSent;
      if (answered) res.destroy();
      hooks.onError(error, answered);
    });
    if (hasBody(req)) req.pipe(upstream);
    else upstream.end();
  }

  close(): void {
    this.agent.destroy();
  }

  private target(origin: string): { hostname: string; port: number } {
    let target = this.targets.get(origin);
    if (!target) {
      const url = new URL(origin);
      target = { hostname: url.hostname, port: Number(url.port) || 80 };
      if (this.targets.size > 10_000) this.targets.clear(); // origins are workspace addresses: few, but unbounded
      this.targets.set(origin, target);
    }
    return target;
  }
}

/** A copy of the headers without the connection-level ones, including any the Connection header names. */
export function stripHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const named = headers.connection;
  if (named) for (const name of named.toLowerCase().split(",")) delete out[name.trim()];
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
}
