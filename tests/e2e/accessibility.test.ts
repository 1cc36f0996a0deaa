import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { activePane, terminalSize, typeLine, waitForPrompt, waitForText } from "../support/terminal-page";

/**
 * Contrast ratios (WCAG 2) of what the page renders, computed in the page from computed styles: `text` against the
 * background it sits on, `border` (a control's outline) against the background around the control.
 */
async function contrasts(page: Page, selector: string): Promise<{ text: number; border: number }[]> {
  return page.locator(selector).evaluateAll((elements) => {
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const channel = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    };
    const ratio = (a: number[], b: number[]) => {
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (x! + 0.05) / (y! + 0.05);
    };
    const backgroundOf = (element: Element | null): number[] => {
      for (let e = element; e; e = e.parentElement) {
        const color = rgb(getComputedStyle(e).backgroundColor);
        if (color.length === 3 || (color.length === 4 && color[3]! > 0)) return color.slice(0, 3);
      }
      return [255, 255, 255];
    };
    return elements.map((element) => {
      const style = getComputedStyle(element);
      const border = rgb(style.borderTopColor);
      // A control drawn without an outline (a text-only "ghost" button) has no border to judge.
      const outlined = parseFloat(style.borderTopWidth) > 0 && (border.length === 3 || border[3]! > 0);
      return {
        text: ratio(rgb(style.color).slice(0, 3), backgroundOf(element)),
        border: outlined ? ratio(border.slice(0, 3), backgroundOf(element.parentElement)) : Infinity,
      };
    });
  });
}

describe("a portal everyone can use: contrast, keyboard, landmarks, narrow screens", () => {
  let portal: PortalProcess;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startPortal();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`meets 4.5:1 for text and 3:1 for control borders in the ${colorScheme} theme, on every kind of page`, async () => {
      const context = await browser.newContext({ colorScheme, viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      // Each selector must find something to measure: a renamed class would otherwise pass unmeasured.
      const meets = async (where: string, checks: [selector: string, what: string, kind: "text" | "border"][]) => {
        for (const [selector, what, kind] of checks) {
          const measured = await contrasts(page, selector);
          expect(measured.length, `${where}: no ${what} (${selector}) to measure`).toBeGreaterThan(0);
          for (const c of measured) expect(c[kind], `${where}: ${what} (${colorScheme})`).toBeGreaterThanOrEqual(kind === "text" ? 4.5 : 3);
        }
      };

      await page.goto(`${portal.url}/signin`);
      await meets("sign-in", [
        ["p.lead, .muted", "muted text", "text"],
        [".button.primary", "primary buttons", "text"],
      ]);
      await signIn(page, portal.url, "alice", "alice");
      await meets("dashboard", [
        ["p.muted, .muted", "muted text", "text"],
        [".topbar nav a", "navigation", "text"],
        [".button.primary", "primary buttons", "text"],
        [".button:not(.primary)", "buttons", "text"],
        [".button:not(.primary)", "button borders", "border"],
      ]);
      await page.goto(`${portal.url}/ssh`);
      await meets("ssh", [["textarea, input.text", "input borders", "border"]]);
      await page.goto(`${portal.url}/workspace`);
      await waitForPrompt(page);
      await meets("workspace", [
        [".topbar nav a", "navigation", "text"],
        [".view-tab", "view tabs", "text"],
        [".workspace-bar .pill", "state", "text"],
        [".workspace-bar .button", "buttons", "text"],
        [".workspace-bar .button", "button borders", "border"],
      ]);
      // The narrow layout's menu of views, opened from the keyboard: a pointer over the button would measure its
      // hover border instead of the one it has at rest.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByTestId("view-menu").focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => page.getByTestId("view-menu-list").isVisible()).toBe(true);
      await meets("workspace at 390 px", [
        [".view-menu-button", "views menu", "text"],
        [".view-menu-button", "views menu border", "border"],
        [".view-menu-list button", "views menu items", "text"],
      ]);
      await page.setViewportSize({ width: 1200, height: 800 });
      const missing = await page.goto(`${portal.url}/no-such-page`);
      expect(missing?.status()).toBe(404);
      await meets("not found", [
        ["p.lead", "text", "text"],
        [".button.primary", "primary buttons", "text"],
        [".button:not(.primary)", "buttons", "text"],
        [".button:not(.primary)", "button borders", "border"],
      ]);
      await context.close();
    });
  }

  it("marks the current page, offers a skip link first, moves between views with arrow keys, and titles the tab with the state", async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    expect(await page.locator('.topbar nav a[aria-current="page"]').textContent()).toBe("Workspace");
    // The first stop of the Tab order skips the header, to the page's one main landmark.
    const first = page.locator("a[href], button, input, textarea, select, [tabindex]:not([tabindex='-1'])").first();
    expect(await first.textContent()).toBe("Skip to content");
    expect(await first.getAttribute("href")).toBe("#main");
    expect(await page.locator("main#main").count()).toBe(1);

    // The wide layout keeps the row of tabs; the menu is for narrow screens only.
    expect(await page.getByTestId("view-menu").isVisible()).toBe(false);
    await page.getByTestId("view-terminal").focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.getByTestId("view-code").getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("view-code");
    await page.keyboard.press("End");
    await expect.poll(() => page.getByTestId("view-ports").getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("ArrowRight"); // wraps round
    await expect.poll(() => page.getByTestId("view-terminal").getAttribute("aria-selected")).toBe("true");

    await expect.poll(() => page.title()).toBe("Running · alice · SciTeX");
    const icon = await page.request.get(`${portal.url}${await page.locator('link[rel="icon"]').first().getAttribute("href")}`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toContain("image/svg+xml");
    await context.close();
  });

  it("works on a 390 px phone: every view and control on screen, the terminal's last row in view, keys a phone lacks", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    const onScreen = async (testId: string) => {
      const box = (await page.getByTestId(testId).boundingBox())!;
      return box.x >= 0 && box.y >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844 ? true : JSON.stringify(box);
    };
    for (const id of ["view-menu", "stop-workspace"]) expect(await onScreen(id), id).toBe(true);
    const rows = activePane(page).locator(".xterm-rows > div");
    const last = (await rows.nth((await rows.count()) - 1).boundingBox())!;
    expect(last.y + last.height).toBeLessThanOrEqual(844);
    expect(await onScreen("touch-keys")).toBe(true);

    // Left arrow from the key row, then a typed letter: the shell's line was edited, not appended to.
    await activePane(page).locator(".xterm-helper-textarea").focus();
    await page.keyboard.type("echo ab");
    await page.getByRole("button", { name: "Left" }).click();
    await page.keyboard.type("X");
    await page.keyboard.press("Enter");
    await waitForText(page, /^aXb$/m);
    // Ctrl from the key row, then c: ^C interrupts.
    await page.keyboard.type("sleep 300\n");
    await page.getByTestId("touch-ctrl").click();
    await page.keyboard.type("c");
    await page.keyboard.type("echo after-ctrl-c\n");
    await waitForText(page, /^after-ctrl-c$/m);
    await context.close();
  });

  it("keeps the terminal's last row and the key row in the visual viewport when it shrinks, as under a phone's keyboard", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    // Where the terminal's last row and the key row are, against what the user sees of the page.
    const placed = () =>
      page.evaluate(() => {
        const pane = document.querySelector('[data-testid="terminal-pane"]:not([hidden])')!;
        const row = pane.querySelector(".xterm-rows > div:last-child")!.getBoundingClientRect();
        const keys = pane.querySelector('[data-testid="touch-keys"]')!.getBoundingClientRect();
        const seen = { top: visualViewport!.offsetTop, bottom: visualViewport!.offsetTop + visualViewport!.height };
        return {
          inView: row.top >= seen.top && row.bottom <= seen.bottom && keys.top >= seen.top && keys.bottom <= seen.bottom,
          detail: `row ${row.top}–${row.bottom}, keys ${keys.top}–${keys.bottom}, visible ${seen.top}–${seen.bottom}, layout ${innerHeight}`,
        };
      });
    expect((await placed()).inView, (await placed()).detail).toBe(true);
    const full = await terminalSize(page);
    // The shell is told the size the terminal was refitted to.
    const shellSees = async (rows: number) => {
      await typeLine(page, "echo size-$(stty size)");
      await waitForText(page, new RegExp(`^size-${rows} ${full.cols}$`, "m"));
    };

    // The window itself shrinks (what headless Chromium can do to the whole viewport).
    await page.setViewportSize({ width: 390, height: 560 });
    await expect.poll(async () => (await terminalSize(page)).rows).toBeLessThan(full.rows);
    await expect.poll(async () => (await placed()).inView).toBe(true);

    // Only the visual viewport shrinks, as an on-screen keyboard does it: here by zooming the page, which in
    // Chromium leaves the layout viewport (and 100dvh) at 844 px and makes the visible part 844 / 1.6 px tall.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(async () => (await terminalSize(page)).rows).toBe(full.rows);
    await shellSees(full.rows);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setPageScaleFactor", { pageScaleFactor: 1.6 });
    await expect.poll(() => page.evaluate(() => Math.round(visualViewport!.height))).toBe(Math.round(844 / 1.6));
    expect(await page.evaluate(() => innerHeight)).toBe(844);
    await expect.poll(async () => (await placed()).inView, { timeout: 10_000 }).toBe(true);
    const small = await terminalSize(page);
    expect(small.rows).toBeLessThan(full.rows);
    await shellSees(small.rows);
    // Back to the whole screen (the keyboard goes away): the terminal grows back.
    await cdp.send("Emulation.setPageScaleFactor", { pageScaleFactor: 1 });
    await expect.poll(async () => (await terminalSize(page)).rows).toBe(full.rows);
    expect((await placed()).inView, (await placed()).detail).toBe(true);
    await context.close();
  });

  it("sizes the workspace page with 100dvh where the browser has no window.visualViewport", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.addInitScript(() => Object.defineProperty(window, "visualViewport", { value: undefined }));
    const page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    expect(await page.evaluate(() => window.visualViewport === undefined && !("visualViewport" in document.documentElement.dataset))).toBe(true);
    expect(await page.evaluate(() => document.body.getBoundingClientRect().height)).toBe(844);
    const keys = (await page.getByTestId("touch-keys").boundingBox())!;
    expect(keys.y + keys.height).toBeLessThanOrEqual(844);
    await context.close();
  });

  it("puts the views in a menu at 390 px: it opens, lists every view, reaches each by tap and by keyboard, and closes", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    const menu = page.getByTestId("view-menu");
    const list = page.getByTestId("view-menu-list");
    // The menu stands where the wrapped row of tabs was; the tabs are gone from the screen (and from screen readers).
    expect(await page.locator('[role="tablist"][aria-label="Workspace views"]').isVisible()).toBe(false);
    expect(await menu.isVisible()).toBe(true);
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    expect(await menu.getAttribute("aria-controls")).toBe(await list.getAttribute("id"));
    expect(await list.isVisible()).toBe(false);
    const panels = await page.locator('[role="tabpanel"]').evaluateAll((all) => all.map((p) => p.id.replace("view-panel-", "")));
    const shown = () => page.locator('[role="tabpanel"]:not([hidden])').getAttribute("id");
    const current = () => list.locator('[aria-current="true"]').getAttribute("data-testid");

    // By tap: every view the page has is in the menu, each one opens its view and closes the menu.
    await menu.tap();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    expect(await list.isVisible()).toBe(true);
    expect(await list.locator("button").evaluateAll((all) => all.map((b) => b.dataset.testid))).toEqual(panels.map((id) => `view-menu-${id}`));
    expect(await current()).toBe("view-menu-terminal");
    for (const id of [...panels.slice(1), panels[0]!]) {
      if ((await menu.getAttribute("aria-expanded")) !== "true") await menu.tap();
      await page.getByTestId(`view-menu-${id}`).tap();
      await expect.poll(shown).toBe(`view-panel-${id}`);
      expect(await menu.getAttribute("aria-expanded")).toBe("false");
      expect(await list.isVisible()).toBe(false);
      expect(await menu.textContent()).toContain((await page.getByTestId(`view-menu-${id}`).textContent())!);
      expect(await current()).toBe(`view-menu-${id}`);
    }
    // A tap elsewhere closes it.
    await menu.tap();
    expect(await list.isVisible()).toBe(true);
    await page.locator(".workspace-bar strong").tap();
    await expect.poll(() => menu.getAttribute("aria-expanded")).toBe("false");

    // By keyboard: Enter opens, Tab walks the items in order, Enter picks one and the focus is back on the button.
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
    for (const [index, id] of panels.entries()) {
      await menu.focus();
      await page.keyboard.press("Enter");
      expect(await menu.getAttribute("aria-expanded")).toBe("true");
      for (let i = 0; i <= index; i++) await page.keyboard.press("Tab");
      expect(await focused()).toBe(`view-menu-${id}`);
      await page.keyboard.press("Enter");
      await expect.poll(shown).toBe(`view-panel-${id}`);
      expect(await menu.getAttribute("aria-expanded")).toBe("false");
      expect(await focused()).toBe("view-menu");
    }
    // Escape closes it without choosing, and the focus goes back to the button.
    await page.keyboard.press("Space");
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe(`view-menu-${panels[0]}`);
    await page.keyboard.press("Escape");
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    expect(await list.isVisible()).toBe(false);
    expect(await focused()).toBe("view-menu");
    expect(await shown()).toBe(`view-panel-${panels.at(-1)}`);
    await context.close();
  });
});
