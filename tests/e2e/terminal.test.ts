import type { Browser, BrowserContext, Page } from "playwright-core";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { execInWorkspace } from "../support/workspace-exec";
import { activePane, terminalSize, terminalText, typeLine, waitForPrompt, waitForText } from "../support/terminal-page";

describe("the web terminal in a real browser, in the full workspace image", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "2g" });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice");
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  const inWorkspace = (script: string) => execInWorkspace(portal, "alice", script);

  /** Pixels of a screenshot brighter than the terminal's dark background, counted by the browser's own decoder. */
  const inkIn = (view: Page, png: Buffer) =>
    view.evaluate(async (b64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${b64}`;
      await image.decode();
      const canvas = Object.assign(document.createElement("canvas"), { width: image.width, height: image.height });
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let bright = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! > 300) bright++;
      return bright;
    }, png.toString("base64"));

  /** Pixels of a screenshot in a strong colour: text in the terminal's theme is grey-white, emoji are not. */
  const colourfulIn = (view: Page, png: Buffer) =>
    view.evaluate(async (b64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${b64}`;
      await image.decode();
      const canvas = Object.assign(document.createElement("canvas"), { width: image.width, height: image.height });
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let colourful = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 100) colourful++;
      }
      return colourful;
    }, png.toString("base64"));


  it("opens the workspace from the dashboard into a shell with the scientific Python stack", async () => {
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`);
    await waitForPrompt(page);
    await typeLine(page, `python3 -c "import numpy; print('numpy', numpy.__version__)"`);
    await waitForText(page, /numpy \d+\.\d+\.\d+/);
  });

  it("shows the workspace's memory limit in free -m, not the host's", async () => {
    // WORKSPACE_MEMORY is 2g here; the machine has far more. Needs LXCFS (scripts/ensure-lxcfs.sh starts it).
    await typeLine(page, "clear; free -m | awk '/^Mem:/ {print \"mem-total=\" $2}'");
    await waitForText(page, /^mem-total=2048$/m);
  });

  it("shows the workspace's CPU and memory against its limit, live in the bar", async () => {
    await expect.poll(() => page.getByTestId("usage-memory").textContent(), { timeout: 15_000 }).toMatch(/^Memory [\d.]+ [KMG]iB of 2 GiB$/);
    // A busy loop shows up as CPU within two readings.
    await typeLine(page, "clear; timeout 12 sh -c 'while :; do :; done'");
    await expect
      .poll(async () => Number(/CPU (\d+) %/.exec((await page.getByTestId("usage-cpu").textContent().catch(() => "")) ?? "")?.[1] ?? 0), { timeout: 20_000 })
      .toBeGreaterThan(30);
    await waitForPrompt(page, 30_000);
  });

  it("tells the shell the terminal's size, and follows the window", async () => {
    await typeLine(page, "clear; stty size");
    let size = await terminalSize(page);
    await waitForText(page, `${size.rows} ${size.cols}`);
    await page.setViewportSize({ width: 800, height: 500 });
    await expect.poll(async () => (await terminalSize(page)).cols).toBeLessThan(size.cols);
    size = await terminalSize(page);
    await typeLine(page, "clear; stty size");
    await waitForText(page, `${size.rows} ${size.cols}`);
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  it("renders UTF-8 exactly", async () => {
    await typeLine(page, "clear; echo 'Grüße 你好 🚀'");
    const screen = await waitForText(page, /^Grüße 你好 🚀/m);
    expect(screen).toContain("Grüße 你好 🚀");
  });

  it("comes back to the same shell, with its output, after a reload", async () => {
    await typeLine(page, "export KEPT=reload-survivor; echo marker-before-reload");
    await waitForText(page, /^marker-before-reload/m);
    await page.reload();
    await waitForPrompt(page);
    expect(await terminalText(page)).toContain("marker-before-reload");
    await typeLine(page, "echo value=$KEPT");
    await waitForText(page, "value=reload-survivor");
  });

  it("types nothing into the shell when a reload redraws a program's old queries", async () => {
    // Device attributes (primary, secondary), a cursor position report and a background colour query: each
    // makes xterm.js answer as it draws it, and a replay draws it again at every reload.
    await typeLine(page, String.raw`clear; printf '\033[c\033[>c\033[6n\033]11;?\033\\'; echo queries-sent`);
    await waitForText(page, /^queries-sent/m);
    // The answers given just now went to the shell, as in any terminal: they wait on its command line. Cleared.
    await page.keyboard.press("Control+C");
    await typeLine(page, "clear");
    for (let i = 0; i < 2; i++) {
      await page.reload();
      await waitForPrompt(page);
    }
    await typeLine(page, "clear; echo typed-as-is-$((6*7))");
    const screen = await waitForText(page, /^typed-as-is-42/m);
    expect(screen).not.toMatch(/command not found|rgb:|\d;\d+c/);
  });

  it("redraws vim open across a reload, and leaves its buffer as it was", async () => {
    await inWorkspace("printf 'first line\\nsecond line\\n' > /home/user/kept.txt");
    await typeLine(page, "clear; vim /home/user/kept.txt"); // Debian's defaults.vim: vim asks the terminal about itself
    await waitForText(page, /^second line/m);
    await page.reload();
    await waitForText(page, /^second line/m);
    // Anything the redraw made the terminal answer would have reached vim as normal-mode keys (a `c` or a `d`).
    await page.keyboard.press("Escape");
    await typeLine(page, ":wq");
    await waitForPrompt(page);
    expect(await inWorkspace("cat -A /home/user/kept.txt")).toContain("first line$\nsecond line$\n");
    expect(await inWorkspace("wc -c < /home/user/kept.txt")).toContain("23");
    // vim's queries stay in the replay after it exits: a reload at the prompt must not answer them into bash.
    await page.reload();
    await waitForPrompt(page);
    await typeLine(page, "clear; echo after-vim-$((6*7))");
    expect(await waitForText(page, /^after-vim-42/m)).not.toMatch(/command not found/);
  });

  for (const ratio of [1, 2]) {
    it(`draws a row of underscores at device pixel ratio ${ratio}`, async () => {
      const sharp = await browser.newContext({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: ratio });
      const view = await sharp.newPage();
      // Bob's own workspace: opening alice's here would take her terminal from the page the other tests use.
      await signIn(view, portal.url, "bob", "bob");
      await view.goto(`${portal.url}/workspace`);
      await waitForPrompt(view);
      // Underscores, then an empty row: a glyph that spills below its cell would still be seen there.
      await typeLine(view, "clear; printf '%s\\n\\n' ________________________________");
      await waitForText(view, /^_{32}/m);
      const row = activePane(view).locator(".xterm-rows > div").first();
      const box = (await row.boundingBox())!;
      const png = await view.screenshot({ clip: { x: box.x, y: box.y, width: box.width, height: box.height * 2 } });
      expect(await inkIn(view, png), "bright pixels where the underscores are").toBeGreaterThan(32 * 4 * ratio);
      await sharp.close();
    });

    it(`gives CJK and emoji two cells each, drawn from real fonts, at device pixel ratio ${ratio}`, async () => {
      const sharp = await browser.newContext({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: ratio });
      const view = await sharp.newPage();
      await signIn(view, portal.url, "bob", "bob");
      await view.goto(`${portal.url}/workspace`);
      await waitForPrompt(view);
      await typeLine(view, "clear; printf '%s\\n' '漢字|' '😀😀|' 'abcd|'");
      await waitForText(view, /^abcd\|/m);
      // Where each row's bar is drawn, measured from the row's start: the same column in all three rows.
      const bars = await activePane(view).evaluate((pane) => {
        const all = [...pane.querySelectorAll(".xterm-rows > div")];
        const rows = ["漢字|", "😀😀|", "abcd|"].map((text) => all.find((row) => row.textContent!.trim() === text));
        return rows.map((row) => {
          if (!row) return NaN;
          const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.textContent!.indexOf("|");
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + 1);
            return range.getBoundingClientRect().left - row.getBoundingClientRect().left;
          }
          return NaN;
        });
      });
      const [cjk, emoji, latin] = bars as [number, number, number];
      expect(latin).toBeGreaterThan(0);
      expect(Math.abs(cjk - latin), `bar after 漢字 at ${cjk}px, after abcd at ${latin}px`).toBeLessThanOrEqual(1);
      expect(Math.abs(emoji - latin), `bar after 😀😀 at ${emoji}px, after abcd at ${latin}px`).toBeLessThanOrEqual(1);

      // The emoji are drawn in colour (Noto Color Emoji), not as the grey boxes of a missing glyph.
      const emojiRow = (await activePane(view).locator(".xterm-rows > div", { hasText: /^😀😀\|\s*$/ }).boundingBox())!;
      const png = await view.screenshot({ clip: { x: emojiRow.x, y: emojiRow.y, width: latin, height: emojiRow.height } });
      expect(await colourfulIn(view, png), "saturated pixels where the emoji are").toBeGreaterThan(20 * ratio * ratio);
      await sharp.close();
    });
  }

  it("opens a second tab with a different shell, and closing it leaves nothing behind", async () => {
    await typeLine(page, "clear; tty");
    const firstTty = (await waitForText(page, /\/dev\/pts\/\d+/)).match(/\/dev\/pts\/\d+/)![0];
    await page.getByTestId("terminal-new").click();
    await expect.poll(() => page.getByTestId("terminal-tab").count()).toBe(2);
    await waitForPrompt(page);
    await typeLine(page, "tty; sleep 4242 & echo bg-started");
    // The output at the start of a line, not the typed command's echo (which a busy machine shows first).
    const screen = await waitForText(page, /^bg-started/m);
    expect(screen.match(/\/dev\/pts\/\d+/)![0]).not.toBe(firstTty);
    expect(await inWorkspace("ps -eo args")).toContain("sleep 4242");

    await page.getByTestId("terminal-tab-close").nth(1).click();
    await expect.poll(() => page.getByTestId("terminal-tab").count()).toBe(1);
    await expect.poll(() => inWorkspace("ps -eo args"), { timeout: 10_000 }).not.toContain("sleep 4242");
  });

  it("finishes a long output and stays responsive", async () => {
    await typeLine(page, "seq 1 300000; echo seq-finished");
    await waitForText(page, /^seq-finished/m, 120_000);
    expect(await terminalText(page)).toContain("300000");
    // The page still answers: a click opens a new tab at once.
    const started = Date.now();
    await page.getByTestId("terminal-new").click();
    await expect.poll(() => page.getByTestId("terminal-tab").count()).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
    await page.getByTestId("terminal-tab-close").nth(1).click();
    await waitForPrompt(page);
  });

  it("keeps the scrollbar at the end of a long output, and there after typing", async () => {
    // The scrollbar is synchronised once per frame, not per line (scripts/build/xterm-scroll-sync-loader.cjs).
    await typeLine(page, "clear; seq 1 20000; echo scrolled-finished");
    await waitForText(page, /^scrolled-finished/m, 60_000);
    const slider = activePane(page).locator(".scrollbar.vertical .slider");
    const track = activePane(page).locator(".scrollbar.vertical");
    const gapBelow = async () => {
      const [s, t] = [(await slider.boundingBox())!, (await track.boundingBox())!];
      return t.y + t.height - (s.y + s.height);
    };
    await expect.poll(gapBelow).toBeLessThanOrEqual(1);

    // More output keeps it at the end.
    await activePane(page).locator(".xterm-helper-textarea").focus();
    await page.keyboard.type("echo back-at-bottom\n");
    await waitForText(page, /^back-at-bottom/m);
    await expect.poll(gapBelow).toBeLessThanOrEqual(1);
  });

  it("scrolls back to the first line of a long output with the mouse wheel, and typing brings it back to the end", async () => {
    // 500 lines, within the scrollback (5000), so the first is there to reach. Chromium makes each wheel event one
    // notch (wheelDeltaY 120, whatever its deltaY) and xterm.js scrolls 50 px a notch, under three rows: a handful
    // of events moves the view a dozen lines and the slider a pixel or two, so the test wheels until line 1 shows.
    await typeLine(page, "clear; seq 1 500; echo wheel-finished");
    await waitForText(page, /^wheel-finished/m);
    const topLine = async () => Number((await terminalText(page)).split("\n")[0]);
    await activePane(page).locator(".xterm-screen").hover();
    for (let top = await topLine(); top !== 1; top = await topLine()) {
      for (let i = 0; i < 20; i++) await page.mouse.wheel(0, -100);
      // Every round moves the view up (its rows are drawn at the next frame); a wheel that stops short fails here.
      await expect.poll(topLine, { message: `the wheel stopped with line ${top} at the top`, timeout: 10_000 }).toBeLessThan(top);
    }
    const slider = activePane(page).locator(".scrollbar.vertical .slider");
    const track = activePane(page).locator(".scrollbar.vertical");
    await expect.poll(async () => (await slider.boundingBox())!.y - (await track.boundingBox())!.y).toBeLessThanOrEqual(1);

    // Typing brings the view back to the prompt, and the slider to the end.
    await activePane(page).locator(".xterm-helper-textarea").focus();
    await page.keyboard.type("echo typed-after-wheel\n");
    await waitForText(page, /^typed-after-wheel/m);
    await expect
      .poll(async () => {
        const [s, t] = [(await slider.boundingBox())!, (await track.boundingBox())!];
        return t.y + t.height - (s.y + s.height);
      })
      .toBeLessThanOrEqual(1);
  });

  it("stops `yes` with Ctrl-C", async () => {
    await typeLine(page, "yes");
    await waitForText(page, /^y$/m);
    await page.waitForTimeout(1000);
    await page.keyboard.press("Control+C");
    await typeLine(page, "clear; echo done-$((6*7))");
    await waitForText(page, /^done-42/m, 30_000);
  });

  it("says so when a program leaves a large paste unread, while the other terminal keeps echoing", async () => {
    await page.getByTestId("terminal-new").click();
    await expect.poll(() => page.getByTestId("terminal-tab").count()).toBe(2);
    await waitForPrompt(page);
    await typeLine(page, "stty raw -echo; echo now-stuck; exec sleep 4343");
    await waitForText(page, /^now-stuck/m);
    // 4 MiB pasted into a program that never reads: the portal holds a bounded part and says why the rest waits.
    await activePane(page)
      .locator(".xterm-helper-textarea")
      .evaluate((textarea, size) => {
        const data = new DataTransfer();
        data.setData("text/plain", "p".repeat(size));
        textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      }, 4 * 1024 * 1024);
    const notice = activePane(page).getByTestId("terminal-notice");
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.innerText()).toContain("not reading its input");

    await page.getByTestId("terminal-tab").nth(0).click();
    await typeLine(page, "clear; echo still-echoing-$((6*7))");
    await waitForText(page, /^still-echoing-42/m);

    await page.getByTestId("terminal-tab-close").nth(1).click();
    await expect.poll(() => page.getByTestId("terminal-tab").count()).toBe(1);
    await expect.poll(() => inWorkspace("ps -eo args"), { timeout: 10_000 }).not.toContain("sleep 4343");
  });

  it("copies the selection with Ctrl+Shift+C, and with Ctrl+C without interrupting the program", async () => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: portal.url });
    await typeLine(page, "clear; echo copy-me-$((6*7)); sleep 4; echo sleep-finished");
    await waitForText(page, /^copy-me-42/m);
    const box = (await activePane(page).locator(".xterm-rows > div").first().boundingBox())!;
    const selectFirstLine = () => page.mouse.click(box.x + 20, box.y + box.height / 2, { clickCount: 3 }); // a triple click selects the line
    await selectFirstLine();
    await page.keyboard.press("Control+Shift+C");
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("copy-me-42");

    await page.evaluate(() => navigator.clipboard.writeText("nothing yet"));
    await selectFirstLine();
    await page.keyboard.press("Control+C");
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("copy-me-42");
    // The sleep was not interrupted: it ends on its own.
    await waitForText(page, /^sleep-finished/m, 15_000);
  });

  it("finds a word in the scrollback with Ctrl+F, and says when there is none", async () => {
    await typeLine(page, "clear; echo needle-$((6*7)); seq 1 400");
    await waitForText(page, /^400$/m);
    expect(await terminalText(page)).not.toContain("needle-42");
    await activePane(page).locator(".xterm-helper-textarea").focus();
    await page.keyboard.press("Control+F");
    await page.getByTestId("terminal-find-input").fill("needle-42");
    await page.keyboard.press("Enter");
    await expect.poll(() => terminalText(page)).toContain("needle-42");
    await page.getByTestId("terminal-find-input").fill("no-such-word-anywhere");
    await expect.poll(() => page.getByTestId("terminal-find-result").textContent()).toBe("No results");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("terminal-find").count()).toBe(0);
    // Back in the terminal: typing reaches the shell.
    await typeLine(page, "clear; echo after-find");
    await waitForText(page, /^after-find/m);
  });

  it("titles a tab as the shell asks, lets the user rename it, and keeps name and font size across a reload", async () => {
    const tab = page.getByTestId("terminal-tab").first();
    await typeLine(page, String.raw`printf '\033]0;%s\007' fitting-job`);
    await expect.poll(() => tab.textContent(), { timeout: 10_000 }).toBe("fitting-job");
    await tab.dblclick();
    await page.getByTestId("terminal-tab-rename").fill("analysis");
    await page.keyboard.press("Enter");
    await expect.poll(() => tab.textContent()).toBe("analysis");

    const rowsBefore = (await terminalSize(page)).rows;
    await page.getByTestId("terminal-font-larger").click();
    await page.getByTestId("terminal-font-larger").click();
    await expect.poll(async () => (await terminalSize(page)).rows).toBeLessThan(rowsBefore);
    const rowsLarger = (await terminalSize(page)).rows;

    await page.reload();
    await waitForPrompt(page);
    await expect.poll(() => page.getByTestId("terminal-tab").first().textContent()).toBe("analysis");
    await expect.poll(async () => (await terminalSize(page)).rows).toBe(rowsLarger);
    await page.getByTestId("terminal-font-smaller").click();
    await page.getByTestId("terminal-font-smaller").click();
    await expect.poll(async () => (await terminalSize(page)).rows).toBe(rowsBefore);
  });

  it("says Starting in the bar while a terminal starts the stopped workspace, never Stopped beside it", async () => {
    const stopped = await page.request.post(`${portal.url}/api/workspace/stop`, { headers: { origin: portal.url } });
    expect(stopped.status()).toBe(200);
    await page.reload();
    // Checked in the page at every frame until the shell is there: whenever the terminal says it is starting the
    // workspace, the bar agrees.
    const disagreed = await page.evaluate(
      () =>
        new Promise<string | null>((resolve) => {
          const check = () => {
            const overlay = document.querySelector('[data-testid="terminal-status"]')?.textContent ?? "";
            const pill = document.querySelector('[data-testid="workspace-state"]')?.getAttribute("data-state");
            if (overlay.startsWith("Starting") && pill === "stopped") return resolve(`terminal: ${overlay}; bar: ${pill}`);
            if (document.querySelector('[data-testid="terminal-pane"][data-state="connected"]')) return resolve(null);
            requestAnimationFrame(check);
          };
          check();
        }),
    );
    expect(disagreed).toBeNull();
    await waitForPrompt(page);
    await expect.poll(() => page.getByTestId("workspace-state").getAttribute("data-state"), { timeout: 15_000 }).toBe("running");
  });

  it("does not let bob attach to alice's terminal by presenting its id", async () => {
    const [{ id: alicesTerminal }] = (await (await page.request.get(`${portal.url}/api/terminals`)).json()).terminals;
    const bobContext = await browser.newContext();
    const bobPage = await bobContext.newPage();
    await signIn(bobPage, portal.url, "bob", "bob");
    const cookie = await sessionCookieHeader(bobPage);
    const socket = io(portal.url, {
      path: "/terminal-io",
      transports: ["websocket"],
      extraHeaders: { cookie, origin: portal.url },
      auth: { terminalId: alicesTerminal, cols: 80, rows: 24 },
      reconnection: false,
    });
    const outcome = await new Promise<{ event: string; code?: string; data?: string }>((resolve) => {
      socket.on("fatal", (p: { code: string }) => resolve({ event: "fatal", code: p.code }));
      socket.on("output", (d: Buffer) => resolve({ event: "output", data: d.toString() }));
      socket.on("replay", (d: Buffer) => resolve({ event: "replay", data: d.toString() }));
      socket.on("connect_error", (e) => resolve({ event: "connect_error", code: e.message }));
    });
    socket.close();
    expect(outcome).toEqual({ event: "fatal", code: "gone" });
    // Alice's shell is untouched.
    await typeLine(page, "echo alice-still-here");
    await waitForText(page, /^alice-still-here/m);
    await bobContext.close();
  });

  it("refuses a socket from another site's page", async () => {
    const cookie = await sessionCookieHeader(page);
    const socket = io(portal.url, {
      path: "/terminal-io",
      transports: ["websocket"],
      extraHeaders: { cookie, origin: "https://evil.example" },
      auth: { cols: 80, rows: 24 },
      reconnection: false,
    });
    const error = await new Promise<string>((resolve) => {
      socket.on("connect", () => resolve("connected"));
      socket.on("connect_error", (e) => resolve(e.message));
    });
    socket.close();
    expect(error).not.toBe("connected");
    expect((await (await page.request.get(`${portal.url}/api/terminals`)).json()).terminals).toHaveLength(1);
  });
});
