import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium, headless, with nothing reaching out to the internet on its own. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
      ...extraArgs,
    ],
  });
}

/** Signs in through whichever provider the portal uses: both show a username/password form. */
export async function signIn(page: Page, portalUrl: string, username: string, password: string): Promise<void> {
  try {
    await page.goto(`${portalUrl}/signin`);
    const button = page.getByRole("button", { name: /^Sign in with/ });
    // A portal in development mode (`npm run up`) compiles pages on their first visit, and its hot-reload client
    // sometimes reloads a page while a busy machine is still compiling; one fresh load settles it.
    await button.click({ timeout: 15_000 }).catch(async () => {
      await page.reload();
      await button.click();
    });
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.locator('button[type="submit"], input[type="submit"]').first().click();
    await page.waitForURL(`${portalUrl}/`);
  } catch (error) {
    const text = await page.locator("body").innerText().catch(() => "");
    throw new Error(`sign-in as ${username} failed at ${page.url()}: ${(error as Error).message}\npage says: ${text.slice(0, 500)}`);
  }
}

export async function sessionCookieHeader(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}
