import type { EnforcementLine } from "@/lib/backend/enforcement-words";

/**
 * What the workspace backend holds every workspace to beyond memory and CPU, and what it cannot: an operator moving
 * to a cluster learns here, not from an incident, that a limit they had on one host is gone.
 */
export function EnforcementCard({ backend, lines }: { backend: string; lines: EnforcementLine[] }) {
  return (
    <section className="card" aria-labelledby="enforcement-heading" data-testid="enforcement">
      <h2 id="enforcement-heading">Limits held by the {backend} backend</h2>
      {lines.map((line) => (
        <div className="status" key={line.key} data-testid="enforcement-line" data-limit={line.key} data-enforced={String(line.enforced)}>
          <span className={`dot ${line.enforced ? "ok" : "bad"}`} aria-hidden="true" />
          <strong>{line.label}:</strong>
          <span>{line.detail}</span>
        </div>
      ))}
    </section>
  );
}
