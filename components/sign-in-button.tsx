"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { useHydrated } from "./use-hydrated";

export function SignInButton({ providerId, providerName, callbackUrl }: { providerId: string; providerName: string; callbackUrl: string }) {
  // Disabled until the page is interactive, so an early click is not silently lost.
  const ready = useHydrated();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="button primary wide"
      disabled={!ready || busy}
      onClick={() => {
        setBusy(true);
        void signIn(providerId, { callbackUrl }).catch(() => setBusy(false));
      }}
    >
      {busy ? "Redirecting…" : `Sign in with ${providerName}`}
    </button>
  );
}
