import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { SessionUser } from "@/lib/auth/session-user";
import { getPortal } from "@/lib/portal-instance";

export async function currentUser(): Promise<SessionUser | null> {
  return getPortal().auth.userFromCookieHeader((await headers()).get("cookie"));
}

/** For pages that need a session: anyone else goes to sign-in and comes back here afterwards. */
export async function requirePageUser(returnTo: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
