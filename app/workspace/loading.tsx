/** Shown while the workspace page is prepared on the server: the page's shape, not a blank screen. */
export default function Loading() {
  return (
    <main id="main" className="workspace" aria-busy="true" data-testid="workspace-loading">
      <div className="workspace-bar">
        <span className="skeleton" style={{ width: "9rem" }} />
        <span className="skeleton" style={{ width: "5rem" }} />
      </div>
      <div className="workspace-body">
        <div className="skeleton skeleton-block" />
        <p className="muted small">Loading your workspace…</p>
      </div>
    </main>
  );
}
