import Link from "next/link";

export const metadata = { title: "Not found" };

/** Any unknown portal path: say so in the portal's own look, with the ways back. */
export default function NotFound() {
  return (
    <main id="main">
      <h1>Page not found</h1>
      <p className="lead" data-testid="not-found">
        There is no page at this address. It may have moved, or the link may be mistyped.
      </p>
      <p className="actions">
        <Link className="button primary" href="/">
          Go to your dashboard
        </Link>
        <Link className="button" href="/workspace">
          Open your workspace
        </Link>
      </p>
    </main>
  );
}
