import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AppHeader } from "@/components/app-header";
import { AppLauncher } from "@/components/app-launcher";
import { appName, appTitle, parseAppName } from "@/lib/apps/app-address";
import { getPortal } from "@/lib/portal-instance";
import { localPath } from "@/lib/util/local-path";
import { requirePageUser } from "../../_shared/current-user";
import { safeFolder } from "../../_shared/folder";

export const metadata: Metadata = { title: "Opening" };
export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ app: string }>;
  searchParams: Promise<{ workspace?: string; path?: string; folder?: string }>;
};

/**
 * Opens one app of the user's workspace on its own origin: starts what it needs (with progress), then sends the
 * browser there with a one-time ticket. An app's host sends a browser without its cookie here.
 */
export default async function OpenAppPage({ params, searchParams }: Props) {
  const app = parseAppName((await params).app);
  if (!app) notFound();
  const query = await searchParams;
  const here = `/open/${appName(app)}?${new URLSearchParams(query as Record<string, string>).toString()}`;
  const user = await requirePageUser(here);
  const portal = getPortal();
  const slug = await portal.registry.slugOf(user.sub);
  const what = appTitle(app);
  const fallback = app.kind === "code" ? `/?folder=${encodeURIComponent(safeFolder(query.folder))}` : app.kind === "notebook" ? "/tree" : "/";
  return (
    <>
      <AppHeader user={user} devProvider={portal.auth.settings.devProvider} />
      <main id="main" className="narrow">
        <section className="card" aria-labelledby="open-heading">
          {query.workspace && query.workspace !== slug ? (
            <>
              <h1 id="open-heading">This is not your workspace</h1>
              <p data-testid="not-your-workspace">You can only open your own workspace&apos;s editor and ports.</p>
              <p>
                <a className="button" href="/">
                  Go to your dashboard
                </a>
              </p>
            </>
          ) : (
            <>
              <h1 id="open-heading">Opening {what}…</h1>
              <AppLauncher app={appName(app)} path={localPath(query.path, fallback)} />
            </>
          )}
        </section>
      </main>
    </>
  );
}
