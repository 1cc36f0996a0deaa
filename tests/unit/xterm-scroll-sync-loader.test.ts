import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const loader = require("../../scripts/build/xterm-scroll-sync-loader.cjs") as (this: { resourcePath: string }, source: string) => string;
const xtermFile = path.join(path.dirname(require.resolve("@xterm/xterm/package.json")), "lib/xterm.mjs");
const run = (source: string) => loader.call({ resourcePath: xtermFile }, source);

describe("the xterm.js scrollbar change applied at build time", () => {
  it("finds the per-scroll sync in the installed xterm.js and makes it once per frame", () => {
    const out = run(readFileSync(xtermFile, "utf8"));
    expect(out).not.toContain("onScroll(()=>this._sync())");
    expect(out).toContain("this._scitexScrollSync??=this._renderService.addRefreshCallback(");
  });

  it("fails the build with a clear message when an upgrade has changed the code", () => {
    expect(() => run("export class Viewport {}")).toThrow(/An @xterm\/xterm upgrade changed it/);
  });
});
