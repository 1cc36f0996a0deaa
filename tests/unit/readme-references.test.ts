import fs from "node:fs";
import { describe, expect, it } from "vitest";

const read = (file: string) => fs.readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");

/** The README's section headings and bold item names ("**Host identity**"), the places a message can point to. */
function readmePlaces(): Set<string> {
  const text = read("README.md");
  const headings = [...text.matchAll(/^#{1,4} (.+)$/gm)].map((m) => m[1]!.trim());
  const items = [...text.matchAll(/^- \*\*([^*]+?)\*\*/gm)].map((m) => m[1]!.replace(/[.:]$/, "").trim());
  return new Set([...headings, ...items]);
}

/** Every `README: "…"` or `README's "…"` in a file, comment lines joined so a name may wrap. */
function referencesIn(file: string): string[] {
  const text = read(file).replace(/\n#\s*/g, " ");
  return [...text.matchAll(/README(?::|'s) "([^"]+)"/g)].map((m) => m[1]!.replace(/\s+/g, " "));
}

describe("what the configuration tells an operator to read", () => {
  it.each(["lib/config/env.ts", ".env.example"])("%s points only to README sections that exist", (file) => {
    const references = referencesIn(file);
    expect(references.length).toBeGreaterThan(0);
    const places = readmePlaces();
    for (const name of references) expect(places.has(name), `README has no section "${name}"`).toBe(true);
  });
});
