/** A place in the shared line as the decision reads it (a row of start_line). */
export interface LineRow {
  id: number;
  sub: string;
  /** Its start is ready to go (the container exists) and waits for a slot. */
  ready: boolean;
  /** `granted`: let through and holding a slot until its start finishes; `go`: let through needing no slot. */
  state: "waiting" | "granted" | "go";
  position: number;
}

export interface LineChange {
  id: number;
  state: LineRow["state"];
  position: number;
}

/**
 * One decision over the whole line, the same rule StartGate applies in one process: slots are the cap less the
 * workspaces the engine runs and the starts let through but not yet running (one user counted once); places go by
 * arrival; a slot free in front of an arrival still making its container is kept for it. Returns only what changed.
 */
export function decideLine(rows: LineRow[], running: ReadonlySet<string>, cap: number): LineChange[] {
  const busy = new Set(running);
  for (const row of rows) if (row.state === "granted") busy.add(row.sub);
  let free = cap - busy.size;
  let position = 0;
  const counted = new Set<string>();
  const changes: LineChange[] = [];
  const set = (row: LineRow, state: LineRow["state"], at: number) => {
    if (row.state !== state || row.position !== at) changes.push({ id: row.id, state, position: at });
  };
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    if (row.state !== "waiting") continue;
    // Someone whose workspace already runs (or is let through) needs no slot; nor does a second tab of one user,
    // which waits at no place until the first tab's start is let through.
    if (busy.has(row.sub) || counted.has(row.sub)) {
      set(row, row.ready && !counted.has(row.sub) ? "go" : "waiting", 0);
      continue;
    }
    counted.add(row.sub);
    if (free > 0) {
      free -= 1;
      set(row, row.ready ? "granted" : "waiting", 0);
    } else {
      position += 1;
      set(row, "waiting", position);
    }
  }
  return changes;
}
