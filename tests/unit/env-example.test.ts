import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema, loadConfig } from "../../lib/config/env";

describe(".env.example", () => {
  const text = fs.readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
  const documented = Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split("=", 2) as [string, string]),
  );

  it("documents every variable the portal reads", () => {
    expect(Object.keys(documented).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it("gives the same defaults the portal uses", () => {
    expect(loadConfig(documented)).toEqual(loadConfig({}));
  });
});
