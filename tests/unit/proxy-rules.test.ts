import { describe, expect, it } from "vitest";
import { parseListeningPorts, parsePortListing } from "../../lib/apps/listening-ports";
import { appSetCookies, filterResponseHeaders, forwardedFor, keptCookies, protectedCookie, upstreamHeaders } from "../../server/proxy/headers";

describe("what crosses the proxy into a workspace", () => {
  const drop = protectedCookie("portal-app", ["code-server-session"]);
  const forwarding = { host: "8000--alice-k3j9f2ab.apps.test:4000", protocol: "http" as const, forwardedFor: "10.0.0.9" };

  it("takes every portal cookie, the app's session and code-server's cookie off, and keeps the workspace's own", () => {
    const header =
      "next-auth.session-token=secret; theme=dark; __Secure-next-auth.session-token.0=x; NEXT-AUTH.csrf-token=y; __Host-next-auth.csrf-token=z; portal-app=t1; code-server-session=guess; _xsrf=2|abc; =nameless";
    expect(keptCookies(header, drop)).toBe("theme=dark; _xsrf=2|abc");
    expect(keptCookies("next-auth.session-token=secret; portal-app=t", drop)).toBeUndefined();
  });

  it("passes an explicit list of headers: no credentials, no identity a front proxy or a browser claims", () => {
    const out = upstreamHeaders(
      {
        host: "8000--alice-k3j9f2ab.apps.test:4000",
        accept: "text/html",
        authorization: "Basic YWxpY2U6cHc=",
        "proxy-authorization": "Basic eA==",
        "x-forwarded-for": "1.2.3.4",
        "x-forwarded-host": "evil.example",
        "x-real-ip": "1.2.3.4",
        "x-remote-user": "admin",
        "x-auth-request-user": "admin",
        "x-requested-with": "XMLHttpRequest",
        "x-xsrftoken": "abc",
        forwarded: "for=1.2.3.4",
        connection: "keep-alive",
        "keep-alive": "timeout=5",
        upgrade: "h2c",
        cookie: "portal-app=t; theme=dark",
      },
      forwarding,
      { websocket: false, dropCookie: drop, extraCookie: "code-server-session=s3cret" },
    );
    expect(out).toEqual({
      host: forwarding.host,
      accept: "text/html",
      "x-requested-with": "XMLHttpRequest",
      "x-xsrftoken": "abc",
      cookie: "theme=dark; code-server-session=s3cret",
      "x-forwarded-host": forwarding.host,
      "x-forwarded-proto": "http",
      "x-forwarded-for": "10.0.0.9",
    });
  });

  it("passes no X- header that is not on its list: identity and credentials a front proxy or SSO might add", () => {
    const refused = [
      "x-ms-client-principal",
      "x-ms-client-principal-name",
      "x-ms-client-principal-id",
      "x-ms-token-aad-access-token",
      "x-ssl-client-cert",
      "x-ssl-client-s-dn",
      "x-ssl-client-verify",
      "x-client-cert",
      "x-client-verify",
      "x-email",
      "x-access-token",
      "x-id-token",
      "x-api-key",
      "x-jupyterhub-user",
      "x-jupyter-token",
      "x-goog-authenticated-user-email",
      "x-amzn-oidc-data",
      "x-forwarded-user",
      "x-forwarded-email",
      "x-forwarded-access-token",
      "x-auth-request-email",
      "x-webauth-user",
      "x-portal-user",
      "x-anything-new",
    ];
    const allowed = {
      "x-requested-with": "XMLHttpRequest",
      "x-xsrftoken": "2|a",
      "x-xsrf-token": "b",
      "x-csrftoken": "c",
      "x-csrf-token": "d",
      "x-xsrf-protected": "1",
      "x-rs-csrf-token": "e",
      "x-http-method-override": "PUT",
      "x-http-method": "DELETE",
      "x-method-override": "PATCH",
    };
    const out = upstreamHeaders({ ...Object.fromEntries(refused.map((name) => [name, "alice@example.org"])), ...allowed }, forwarding, {
      websocket: false,
      dropCookie: drop,
    });
    expect(out).toEqual({ ...allowed, host: forwarding.host, "x-forwarded-host": forwarding.host, "x-forwarded-proto": "http", "x-forwarded-for": "10.0.0.9" });
  });

  it("passes no header the browser's Connection header names, and no cookie when it names Cookie", () => {
    const out = upstreamHeaders(
      {
        connection: "keep-alive, X-Requested-With,accept-language , Cookie",
        "x-requested-with": "XMLHttpRequest",
        "accept-language": "en",
        accept: "text/html",
        cookie: "theme=dark",
      },
      forwarding,
      { websocket: false, dropCookie: drop },
    );
    expect(out).toEqual({ accept: "text/html", host: forwarding.host, "x-forwarded-host": forwarding.host, "x-forwarded-proto": "http", "x-forwarded-for": "10.0.0.9" });
  });

  it("sends a WebSocket's handshake on with Connection: Upgrade only, whatever else the browser's named", () => {
    const out = upstreamHeaders(
      { connection: "keep-alive, Upgrade, X-Requested-With", upgrade: "websocket", "x-requested-with": "x", "sec-websocket-key": "k", "sec-websocket-version": "13" },
      forwarding,
      { websocket: true, dropCookie: drop },
    );
    expect(out).toMatchObject({ connection: "Upgrade", upgrade: "websocket", "sec-websocket-key": "k", "sec-websocket-version": "13" });
    expect(out).not.toHaveProperty("x-requested-with");
  });

  it("keeps a WebSocket's handshake headers only for WebSockets", () => {
    const ws = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-key": "k", "sec-websocket-version": "13" };
    expect(upstreamHeaders(ws, forwarding, { websocket: true, dropCookie: drop })).toMatchObject(ws);
    expect(upstreamHeaders(ws, forwarding, { websocket: false, dropCookie: drop })).not.toHaveProperty("upgrade");
  });

  it("believes X-Forwarded-For only from a configured front proxy", () => {
    expect(forwardedFor({ "x-forwarded-for": "1.2.3.4" }, "10.0.0.9", [])).toBe("10.0.0.9");
    expect(forwardedFor({ "x-forwarded-for": "1.2.3.4" }, "::ffff:10.0.0.9", ["10.0.0.9"])).toBe("1.2.3.4, ::ffff:10.0.0.9");
  });
});

describe("what crosses the proxy back to the browser", () => {
  const drop = protectedCookie("portal-app", ["code-server-session"]);

  it("does not let an app set the portal's cookies, its own session, or a nameless cookie", () => {
    expect(
      appSetCookies(
        ["next-auth.session-token=evil; Path=/", "app=1; Path=/", "__Secure-next-auth.callback-url=x", "=next-auth.session-token=x", "portal-app=forged", "noequals"],
        drop,
      ),
    ).toEqual(["app=1; Path=/"]);
  });

  it("keeps an app's cookies on its own host: any Domain attribute is dropped", () => {
    expect(appSetCookies(["jup=1; Domain=apps.test; Path=/; HttpOnly", "b=2;domain=.apps.test"], drop)).toEqual(["jup=1; Path=/; HttpOnly", "b=2"]);
  });

  it("never forwards Service-Worker-Allowed, Clear-Site-Data or Alt-Svc", () => {
    const headers = { "service-worker-allowed": "/", "clear-site-data": '"cookies"', "alt-svc": 'h3=":443"', "content-type": "text/html" };
    filterResponseHeaders(headers, drop);
    expect(headers).toEqual({ "content-type": "text/html" });
  });
});

describe("listening ports", () => {
  it("reads LISTEN sockets from /proc/net/tcp and tcp6, and knows which the portal can reach", () => {
    const text = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1
   1: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1
   2: 0200A8C0:1F40 0300A8C0:D431 01 00000000:00000000 00:00000000 00000000  1000        0 3 1
  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0 0 0 0 0 0`;
    expect(parseListeningPorts(text)).toEqual([
      { port: 8000, reachable: true },
      { port: 8080, reachable: true },
      { port: 8888, reachable: false },
    ]);
  });
});

describe("the port list with its processes", () => {
  it("names the process behind each port and marks VS Code's and Jupyter's as the portal's own", () => {
    const output = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 501 1",
      "   1: 0100007F:A2D3 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 502 1",
      "   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 503 1",
      "--scitex-ports--",
      "/proc/40/fd socket:[501]",
      "/proc/41/fd socket:[502]",
      "/proc/42/fd socket:[503]",
      "--scitex-ports--",
      "40 python3 -m http.server 8000 ",
      "41 /opt/code-server/lib/node /opt/code-server/out/node/entry ",
      "42 /opt/code-server/lib/node /opt/code-server/out/node/entry --bind-addr 0.0.0.0:8080 ",
      "",
    ].join("\n");
    expect(parsePortListing(output)).toEqual([
      { port: 8000, reachable: true, command: "python3 -m http.server 8000" },
      { port: 8080, reachable: true, command: "/opt/code-server/lib/node /opt/code-server/out/node/entry --bind-addr 0.0.0.0:8080", internal: true },
      { port: 41683, reachable: false, command: "/opt/code-server/lib/node /opt/code-server/out/node/entry", internal: true },
    ]);
  });
});
