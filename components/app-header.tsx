import Link from "next/link";
import type { SessionUser } from "@/lib/auth/session-user";
import { MainNav } from "./main-nav";
import { SignOutButton } from "./sign-out-button";

export function AppHeader({ user, devProvider }: { user: SessionUser; devProvider: boolean }) {
  return (
    <header className="topbar">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link href="/" className="brand">
        SciTeX Workspace
      </Link>
      <MainNav isAdmin={user.isAdmin} />
      <div className="who">
        {devProvider && <span className="badge warn" title="Signed in through the embedded development identity provider">dev sign-in</span>}
        {user.isAdmin && <span className="badge">admin</span>}
        <span className="user" data-testid="signed-in-user">
          {user.name ?? user.username} <span className="muted">({user.username})</span>
        </span>
        <SignOutButton />
      </div>
    </header>
  );
}
