import type { Metadata } from "next";
import { AppHeader } from "@/components/app-header";
import { SshApproval } from "@/components/ssh-approval";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "../../../_shared/current-user";

export const metadata: Metadata = { title: "Approve SSH login" };
export const dynamic = "force-dynamic";

export default async function ApprovePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/ssh/approve/${encodeURIComponent(id)}`);
  const portal = getPortal();
  const request = await portal.ssh.approvals.get(id, user.username);
  return (
    <>
      <AppHeader user={user} devProvider={portal.auth.settings.devProvider} />
      <main id="main" className="narrow-top">
        <section className="card" aria-labelledby="approve-heading">
          <h1 id="approve-heading">Approve an SSH login</h1>
          {request ? (
            <SshApproval
              id={id}
              username={request.username}
              code={request.code}
              address={request.clientAddress}
              software={request.clientSoftware}
              expiresAt={request.expiresAt.toISOString()}
            />
          ) : (
            <p className="notice bad" role="alert" data-testid="approval-missing">
              This login request has expired, was already answered, or is not for your account ({user.username}).
              Start the login again with <code>ssh</code>.
            </p>
          )}
        </section>
      </main>
    </>
  );
}
