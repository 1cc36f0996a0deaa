import { describe, expect, it } from "vitest";
import { decideLine, type LineRow } from "../../lib/workspace/shared/line-decision";

let nextId = 1;
const row = (sub: string, ready = true, state: LineRow["state"] = "waiting", position = 0): LineRow => ({ id: nextId++, sub, ready, state, position });

describe("the shared start line's decision (decideLine)", () => {
  it("lets the first arrivals through up to the cap and numbers the rest in arrival order", () => {
    const rows = [row("ann"), row("ben"), row("cat"), row("dan")];
    const changes = decideLine(rows, new Set(), 2);
    expect(changes).toEqual([
      { id: rows[0]!.id, state: "granted", position: 0 },
      { id: rows[1]!.id, state: "granted", position: 0 },
      { id: rows[2]!.id, state: "waiting", position: 1 },
      { id: rows[3]!.id, state: "waiting", position: 2 },
    ]);
  });

  it("counts the engine's running workspaces and the starts let through, one user once", () => {
    // ann runs and her start's slot is still held: one slot used, not two; eve's start holds the other.
    const rows = [row("ann", true, "granted"), row("eve", true, "granted"), row("ben")];
    expect(decideLine(rows, new Set(["ann"]), 2)).toEqual([{ id: rows[2]!.id, state: "waiting", position: 1 }]);
  });

  it("keeps a free slot for an earlier arrival still making its container, so a quicker later one waits", () => {
    const rows = [row("ann", false), row("ben", true)];
    expect(decideLine(rows, new Set(), 1)).toEqual([{ id: rows[1]!.id, state: "waiting", position: 1 }]);
  });

  it("lets a user whose workspace already runs go without a slot, and a second tab wait at no place", () => {
    const rows = [row("ann"), row("ben"), row("ben")];
    const changes = decideLine(rows, new Set(["ann"]), 1);
    expect(changes).toEqual([
      { id: rows[0]!.id, state: "go", position: 0 },
      { id: rows[1]!.id, state: "waiting", position: 1 },
    ]);
  });

  it("says nothing about places that did not change", () => {
    const rows = [row("ann", true, "granted"), row("ben", true, "waiting", 1), row("cat", false, "waiting", 2)];
    expect(decideLine(rows, new Set(), 1)).toEqual([]);
  });

  it("moves everyone up when a slot frees", () => {
    const rows = [row("ben", true, "waiting", 1), row("cat", true, "waiting", 2)];
    expect(decideLine(rows, new Set(["dan"]), 2)).toEqual([
      { id: rows[0]!.id, state: "granted", position: 0 },
      { id: rows[1]!.id, state: "waiting", position: 1 },
    ]);
  });
});
