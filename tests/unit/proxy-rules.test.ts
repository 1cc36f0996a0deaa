import { describe, expect, it } from "vitest";
import { parseListeningPorts } from "../../lib/apps/listening-ports";
import { filterSetCookie, rewriteLocation, withoutPortalCookies } from "../../server/proxy/headers";
import { parseWorkspaceRoute } from "../../server/proxy/route";

describe("workspace proxy routes", () => {
  it("strips the portal's prefix and keeps the query string", () => {
    expect(parseWorkspaceRoute("/workspace/alice-k3j9f2ab/code/stable-x/static/out.js?reconnectionToken=a&x=1")).toEqual({
      name: "alice-k3j9f2ab",
      app: { kind: "code" },
      prefix: "/workspace/alice-k3j9f2ab/code",
      upstreamPath: "/stable-x/static/out.js?reconnectionToken=a&x=1",
      needsSlash: false,
    });
    expect(parseWorkspaceRoute("/workspace/bob-2/ports/8000/files/a.txt")).toMatchObject({
      app: { kind: "port", port: 8000 },
      upstreamPath: "/files/a.txt",
    });
  });

  it("asks for the slash form of a bare prefix", () => {
    expect(parseWorkspaceRoute("/workspace/alice-1/code?folder=/home/user")).toMatchObject({
      needsSlash: true,
      upstreamPath: "/?folder=/home/user",
    });
  });

  it("refuses what is not a workspace path", () => {
    for (const url of ["/workspace", "/workspace/", "/workspace/Alice/code/", "/workspace/../etc/code/", "/workspace/a/ports/0/", "/workspace/a/ports/70000/", "/workspace/a/ports/x/", "/workspace/a/other/"]) {
      expect(parseWorkspaceRoute(url), url).toBeNull();
    }
  });
});

describe("what crosses the proxy", () => {
  it("takes every portal cookie off, and keeps the workspace's own", () => {
    const header =
      "next-auth.session-token=secret; theme=dark; __Secure-next-auth.session-token.0=x; next-auth.csrf-token=y; __Host-next-auth.csrf-token=z; _xsrf=2|abc";
    expect(withoutPortalCookies(header)).toBe("theme=dark; _xsrf=2|abc");
    expect(withoutPortalCookies("next-auth.session-token=secret")).toBeUndefined();
  });

  it("does not let a workspace set the portal's cookies", () => {
    expect(filterSetCookie(["next-auth.session-token=evil; Path=/", "app=1; Path=/", "__Secure-next-auth.callback-url=x"])).toEqual(["app=1; Path=/"]);
  });

  it("keeps a workspace server's absolute redirects under its prefix", () => {
    expect(rewriteLocation("/login?next=/", "/workspace/a/ports/8888")).toBe("/workspace/a/ports/8888/login?next=/");
    expect(rewriteLocation("./tree", "/workspace/a/ports/8888")).toBe("./tree");
    expect(rewriteLocation("https://example.org/", "/workspace/a/ports/8888")).toBe("https://example.org/");
    expect(rewriteLocation("//evil.example/", "/workspace/a/ports/8888")).toBe("//evil.example/");
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
