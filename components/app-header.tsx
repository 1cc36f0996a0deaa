import Link from "next/link";
import type { SessionUser } from "@/lib/auth/session-user";
import { SignOutButton } from "./sign-out-button";

export function AppHeader({ user, devProvider }: { user: SessionUser; devProvider: boolean }) {
  return (
    <header className="topbar">
      <Link href="/" className="brand">
        SciTeX Workspace
      </Link>
      <nav aria-label="Main">
        <Link href="/">Dashboard</Link>
        <Link href="/workspace">Workspace</Link>
        <Link href="/ssh">SSH keys</Link>
        {user.isAdmin && <Link href="/admin">Admin</Link>}
      </nav>
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
