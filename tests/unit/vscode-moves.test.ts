import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { INSTANCE_PATH, instanceTag, isWorkbenchPage, WATCHER_PATH, WATCHER_SCRIPT, withWatcher } from "../../lib/apps/vscode-moves";

describe("VS Code's watcher of moves", () => {
  it("is added to the workbench page's head, told the instance it came from", () => {
    const tag = instanceTag("abc123");
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
    expect(tag).not.toContain("abc123");
    const html = withWatcher("<html><head><meta charset=utf-8></head><body></body></html>", tag);
    expect(html).toBe(`<html><head><meta charset=utf-8><script src="${WATCHER_PATH}?i=${tag}"></script></head><body></body></html>`);
    expect(withWatcher("no head here", tag)).toBe("no head here");
    expect(withWatcher("<head></head>", null)).toContain(`${WATCHER_PATH}?i="`);
    expect(instanceTag(undefined)).toBeNull();
  });

  it("takes only the workbench page: its root, with or without a folder", () => {
    expect(isWorkbenchPage("GET", "/")).toBe(true);
    expect(isWorkbenchPage("GET", "/?folder=/home/user")).toBe(true);
    expect(isWorkbenchPage("POST", "/")).toBe(false);
    expect(isWorkbenchPage("GET", "/stable-abc/static/out/vs/workbench/workbench.js")).toBe(false);
    expect(isWorkbenchPage("GET", "/healthz")).toBe(false);
  });

  // The script itself, run against a fake page: it reloads only when a running instance differs from its own.
  async function run(own: string, answers: Array<string | null | "fail">): Promise<number> {
    let reloads = 0;
    const ticks: Array<() => Promise<void> | void> = [];
    let asked = 0;
    const context = vm.createContext({
      document: { currentScript: { src: `http://code--a.localhost${WATCHER_PATH}?i=${own}` } },
      URL,
      location: { reload: () => void reloads++ },
      setInterval: (fn: () => void) => (ticks.push(fn), 1),
      clearInterval: () => void ticks.splice(0),
      fetch: async (url: string) => {
        expect(url).toBe(INSTANCE_PATH);
        const answer = answers[asked++];
        if (answer === "fail") return { ok: false, json: async () => ({}) };
        return { ok: true, json: async () => ({ instance: answer }) };
      },
    });
    vm.runInContext(WATCHER_SCRIPT, context);
    for (let i = 0; i < answers.length && ticks[0]; i++) {
      ticks[0]();
      await new Promise((r) => setTimeout(r, 0));
    }
    return reloads;
  }

  it("reloads the window once a running instance other than its own answers, and not for a stop or an error", async () => {
    expect(await run("old", ["old", null, "fail", "old"])).toBe(0);
    expect(await run("old", ["old", null, "new", "new"])).toBe(1);
    // Without an instance of its own (the proxy did not know it), the first one seen is its own.
    expect(await run("", ["first", "first", "second"])).toBe(1);
  });
});
