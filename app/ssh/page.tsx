import type { Metadata } from "next";
import { AppHeader } from "@/components/app-header";
import { SshKeys } from "@/components/ssh-keys";
import { CopyBlock } from "@/components/copy-block";
import { sshLoginName } from "@/lib/ssh/login-name";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "../_shared/current-user";

export const metadata: Metadata = { title: "SSH keys" };
export const dynamic = "force-dynamic";

export default async function SshKeysPage() {
  const user = await requirePageUser("/ssh");
  const portal = getPortal();
  // Showing the page records nothing: signing in (and the provider's re-check) keeps the account's record, and a
  // stale session viewing this page must not write its old name back. Only an account this database has never
  // recorded (its data directory replaced under a live session) is recorded here, so the name shown works.
  const registered = (await portal.registry.bySub(user.sub)) ?? (await portal.registry.register(user));
  const { port, publicHost } = portal.config.ssh;
  const login = sshLoginName(registered);
  const config = `Host scitex\n  HostName ${publicHost}\n  Port ${port}\n  User ${login}\n`;
  return (
    <>
      <AppHeader user={user} devProvider={portal.auth.settings.devProvider} />
      <main id="main">
        <h1>SSH</h1>
        {port ? (
          <section className="card" aria-labelledby="connect-heading">
            <h2 id="connect-heading">Connect</h2>
            <CopyBlock text={`ssh -p ${port} ${login}@${publicHost}`} testId="ssh-command" label="the ssh command" />
            {login !== user.username && (
              <p className="muted small" data-testid="ssh-login-name">
                Your SSH login name is <code>{login}</code>, your workspace&apos;s name: OpenSSH refuses some characters
                of <code>{user.username}</code> in a user name.
              </p>
            )}
            <p className="muted small">
              Or add this to <code>~/.ssh/config</code> and type <code>ssh scitex</code> (also <code>scp file scitex:</code>,
              VS Code&apos;s Remote-SSH):
            </p>
            <CopyBlock text={config} testId="ssh-config" label="the ~/.ssh/config entry" />
            <p className="muted">
              Works with <code>scp</code>, <code>sftp</code>, <code>rsync -e &apos;ssh -p {port}&apos;</code> and{" "}
              <code>ssh -L</code> to ports in your workspace. Without a key below, the login shows a link to approve it
              here in your browser.
            </p>
            <p className="muted small">The portal&apos;s host key fingerprints, to check on first connection:</p>
            <ul className="small" data-testid="host-keys">
              {portal.ssh.hostKeys.map((k) => (
                <li key={k.type}>
                  <code>{k.type}</code> <code>{k.fingerprint}</code>
                </li>
              ))}
            </ul>
          </section>
        ) : (
          <p className="notice warn">The SSH gateway is turned off on this portal.</p>
        )}
        <SshKeys initial={await portal.ssh.keys.list(user.sub)} />
      </main>
    </>
  );
}
