import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { EnforcementCard } from "../../components/admin/enforcement-card";
import { enforcementLines } from "../../lib/backend/enforcement-words";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("the admin page's limits card", () => {
  it("tells an operator on a swarm which limits are gone, why, and what to do", () => {
    const lines = enforcementLines("swarm", { pidsLimit: true, swapLimit: false, noNewPrivileges: false });
    const shown = text(renderToStaticMarkup(createElement(EnforcementCard, { backend: "Docker Swarm", lines })));
    expect(shown).toContain("Limits held by the Docker Swarm backend");
    expect(shown).toContain("Process limit: enforced");
    expect(shown).toContain("Swap limit: not enforced by this backend (Docker Swarm cannot set one): run the nodes without swap");
    expect(shown).toContain("No new privileges: not enforced by this backend (Docker Swarm cannot set it per workspace)");
    expect(shown).toContain("SWARM_NODES_NO_NEW_PRIVILEGES=true");
  });

  it("shows no-new-privileges as held once the operator says every node's engine sets it", () => {
    const lines = enforcementLines("swarm", { pidsLimit: true, swapLimit: false, noNewPrivileges: true });
    expect(lines.map((l) => [l.label, l.enforced])).toEqual([
      ["Process limit", true],
      ["Swap limit", false],
      ["No new privileges", true],
    ]);
    const html = renderToStaticMarkup(createElement(EnforcementCard, { backend: "Docker Swarm", lines }));
    expect(html.match(/data-enforced="false"/g)).toHaveLength(1);
  });
});
