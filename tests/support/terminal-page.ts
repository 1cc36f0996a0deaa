import type { Page } from "playwright-core";

/** Helpers that read and type into the active xterm.js terminal the way a person would. */
export function activePane(page: Page) {
  return page.locator('[data-testid="terminal-pane"]:not([hidden])');
}

export async function terminalText(page: Page): Promise<string> {
  return (await activePane(page).locator(".xterm-rows").innerText()).replace(/\u00a0/g, " ");
}

export async function waitForText(page: Page, text: string | RegExp, timeout = 30_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const screen = await terminalText(page).catch(() => "");
    if (typeof text === "string" ? screen.includes(text) : text.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`terminal never showed ${String(text)}; it shows:\n${screen}`);
    await page.waitForTimeout(100);
  }
}

/** Waits for a connected shell prompt in the active terminal, then types a line into it. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await activePane(page).locator('[data-state="connected"], .xterm').first().waitFor();
  await activePane(page).locator(".xterm-helper-textarea").focus();
  await page.keyboard.type(`${line}\n`);
}

export async function waitForPrompt(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('[data-testid="terminal-pane"][data-state="connected"]:not([hidden])').waitFor({ timeout });
  await waitForText(page, /\$ *$/m, timeout);
}

export async function terminalSize(page: Page): Promise<{ cols: number; rows: number }> {
  const host = activePane(page).locator(".terminal-host");
  return { cols: Number(await host.getAttribute("data-cols")), rows: Number(await host.getAttribute("data-rows")) };
}
