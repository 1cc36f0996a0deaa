import { describe, expect, it } from "vitest";
import { CapacityError, StartGate } from "../../lib/workspace/start-gate";

/** A gate over a fake engine whose running set the test controls. */
function gateWith(cap: number, maxWaitMs = 60_000) {
  const running = new Set<string>();
  const gate = new StartGate(cap, maxWaitMs, async () => [...running], 10_000);
  return { gate, running };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("the start queue (StartGate)", () => {
  it("orders by when users asked, not by whose container was ready first", async () => {
    const { gate, running } = gateWith(1);
    const order: string[] = [];
    const ann = gate.enter("ann");
    const ben = gate.enter("ben");
    const cat = gate.enter("cat");
    // cat and ben finish making their containers before ann does.
    const catPositions: number[] = [];
    const catStart = cat.wait((p) => catPositions.push(p)).then((release) => (order.push("cat"), release));
    const benStart = ben.wait(() => {}).then((release) => (order.push("ben"), release));
    await settle();
    expect(order).toEqual([]); // ann's slot is held for her while she gets ready
    expect(gate.waitingSubs()).toEqual(["ben", "cat"]);
    expect(catPositions).toEqual([2]);
    const annRelease = await ann.wait(() => {});
    order.push("ann");
    running.add("ann");
    annRelease();
    await settle();
    expect(order).toEqual(["ann"]);
    running.delete("ann");
    gate.kick();
    (await benStart)();
    running.add("ben");
    expect(order).toEqual(["ann", "ben"]);
    running.delete("ben");
    gate.kick();
    (await catStart)();
    expect(order).toEqual(["ann", "ben", "cat"]);
    expect(catPositions).toEqual([2, 1]);
  });

  it("lets a later arrival through when there is room for everyone ahead of it too", async () => {
    const { gate } = gateWith(2);
    gate.enter("ann"); // still making her container
    const ben = await gate.enter("ben").wait(() => {});
    expect(typeof ben).toBe("function");
    expect(gate.waiting).toBe(0);
  });

  it("gives the slot back when somebody leaves before waiting, and the next in line goes", async () => {
    const { gate } = gateWith(1);
    const ann = gate.enter("ann");
    const benPositions: number[] = [];
    const ben = gate.enter("ben").wait((p) => benPositions.push(p));
    await settle();
    expect(benPositions).toEqual([1]);
    ann.leave(); // her workspace was running already
    await expect(ben).resolves.toBeTypeOf("function");
  });

  it("needs no slot for a workspace that already runs, or for a user's second tab", async () => {
    const { gate, running } = gateWith(1);
    running.add("ann");
    await expect(gate.enter("ann").wait(() => {})).resolves.toBeTypeOf("function");
    running.delete("ann");
    const first = gate.enter("bob");
    const second = gate.enter("bob");
    await first.wait(() => {});
    second.leave();
    expect(gate.waiting).toBe(0);
  });

  it("gives up with a clear error after the maximum wait, and leaves the line", async () => {
    const { gate, running } = gateWith(1, 50);
    running.add("ann");
    const error = await gate.enter("ben").wait(() => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect(gate.waiting).toBe(0);
  });

  it("a cancelled wait leaves the line", async () => {
    const { gate, running } = gateWith(1);
    running.add("ann");
    const controller = new AbortController();
    const waiting = gate.enter("ben").wait(() => {}, controller.signal);
    await settle();
    controller.abort();
    await expect(waiting).rejects.toThrow(/cancelled/);
    expect(gate.waitingSubs()).toEqual([]);
  });
});

describe("the start queue's questions to the engine", () => {
  it("asks once more for arrivals that came while a question was out, not once each", async () => {
    let asked = 0;
    let answer: (() => void) | null = null;
    // The first question hangs until the test answers it, as a slow manager would.
    const gate = new StartGate(10, 60_000, async () => {
      asked += 1;
      if (asked === 1) await new Promise<void>((resolve) => (answer = resolve));
      return [];
    }, 10_000);
    const [ann, ben, cat, dan, eve] = ["ann", "ben", "cat", "dan", "eve"].map((sub) => gate.enter(sub));
    const started = [ann!.wait(() => {})];
    await settle();
    expect(asked).toBe(1);
    // ben and cat are ready to start while the question is out; dan and eve still make their workspaces.
    started.push(ben!.wait(() => {}), cat!.wait(() => {}));
    await settle();
    answer!();
    await Promise.all(started);
    await settle();
    expect(asked).toBe(2); // one each would be three
    started.push(dan!.wait(() => {}), eve!.wait(() => {}));
    expect(await Promise.all(started)).toHaveLength(5);
  });
});
