import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DevProviderNotice } from "@/components/dev-provider-notice";
import { SignInButton } from "@/components/sign-in-button";
import { PROVIDER_ID } from "@/lib/auth/next-auth-options";
import { getPortal } from "@/lib/portal-instance";
import { localPath } from "@/lib/util/local-path";
import { currentUser } from "../_shared/current-user";
import { signInErrorMessage } from "./messages";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<{ error?: string; callbackUrl?: string }> };


export default async function SignInPage({ searchParams }: Props) {
  const { error, callbackUrl } = await searchParams;
  // Only paths on this portal: an open redirect after sign-in would hand the session page to anyone's site.
  const target = localPath(callbackUrl);
  if (await currentUser()) redirect(target);

  const { auth } = getPortal();
  const reachable = await auth.providerReachable();
  const providerName = auth.settings.providerName;
  const message = error ? signInErrorMessage(error, providerName) : null;

  return (
    <main id="main" className="narrow">
      <section className="card signin" aria-labelledby="signin-heading">
        <h1 id="signin-heading">SciTeX Workspace</h1>
        <p className="lead">Your own Linux workspace with your files: a terminal, VS Code and SSH.</p>
        {message && (
          <p className="notice bad" role="alert" data-testid="signin-error">
            {message}
          </p>
        )}
        {!reachable && !message && (
          <p className="notice bad" role="alert" data-testid="signin-error">
            {providerName}&apos;s sign-in service is not answering right now. Try again in a minute; if it persists,
            tell an operator.
          </p>
        )}
        <SignInButton providerId={PROVIDER_ID} providerName={providerName} callbackUrl={target} />
        <p className="muted small">
          {auth.settings.devProvider
            ? "The demo accounts are listed on the next page."
            : `Use the account you already have on ${providerName}.`}
        </p>
      </section>
      {auth.settings.devProvider && <DevProviderNotice />}
    </main>
  );
}
