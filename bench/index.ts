/**
 * `npm run bench [-- suite...]`: runs the named suites (all by default) one after another and prints their
 * reports. Exit 0 when everything was measured, 1 when a figure could not be taken, 2 for a bad invocation.
 * Whatever a suite started is removed on the way out, also after an error or Ctrl-C (lib/cleanup.ts).
 */
import { settle } from "./lib/settle";
import { runCleanups } from "./lib/cleanup";
import { progress } from "./lib/progress";
import { SUITES } from "./suites";

const names = process.argv.slice(2).filter((arg) => arg !== "--");
if (names.includes("--help") || names.includes("-h")) {
  console.log(`usage: npm run bench [-- ${SUITES.map((s) => s.name).join(" | ")} ...]\n`);
  for (const suite of SUITES) console.log(`  ${suite.name.padEnd(10)} ${suite.description}`);
  process.exit(0);
}
const unknown = names.filter((name) => !SUITES.some((s) => s.name === name));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; known: ${SUITES.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const chosen = names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;

let complete = true;
for (const [i, suite] of chosen.entries()) {
  if (i > 0) await settle();
  progress(`suite ${suite.name}`);
  try {
    complete = (await suite.run()) && complete;
  } catch (error) {
    complete = false;
    console.error(`suite ${suite.name} could not run:`, error instanceof Error ? (error.stack ?? error.message) : error);
  } finally {
    progress("cleaning up");
    await runCleanups();
  }
}
process.exit(complete ? 0 : 1);
