import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, decimal, loadConfig } from "../../lib/config/env";
import { parseByteSize } from "../../lib/config/size";

describe("configuration", () => {
  it("runs on documented defaults with an empty environment", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl.href).toBe("http://localhost:3000/");
    expect(config.dataRoot).toBe(path.resolve("./data"));
    expect(config.workspace.limits).toEqual({ memoryBytes: 8 * 1024 ** 3, cpus: 2, pids: 512 });
    expect(config.workspace.image).toBe("scitex-portal/workspace:latest");
  });

  it("reads sizes the way operators write them", () => {
    expect(parseByteSize("8g")).toBe(8 * 1024 ** 3);
    expect(parseByteSize("512m")).toBe(512 * 1024 ** 2);
    expect(parseByteSize("1.5GiB")).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize("1073741824")).toBe(1024 ** 3);
    expect(parseByteSize("lots")).toBeNull();
    expect(parseByteSize("5 parsecs")).toBeNull();
    expect(loadConfig({ WORKSPACE_MEMORY: "2g", WORKSPACE_CPUS: "0.5" }).workspace.limits).toMatchObject({
      memoryBytes: 2 * 1024 ** 3,
      cpus: 0.5,
    });
  });

  it("reads switches as true or false, and refuses anything else", () => {
    expect(loadConfig({}).codeServerAtStart).toBe(false);
    expect(loadConfig({ CODE_SERVER_AT_START: "true" }).codeServerAtStart).toBe(true);
    expect(loadConfig({ CODE_SERVER_AT_START: "0" }).codeServerAtStart).toBe(false);
    expect(() => loadConfig({ CODE_SERVER_AT_START: "sometimes" })).toThrow(/CODE_SERVER_AT_START: expected true or false/);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", WORKSPACE_MEMORY: "" }).port).toBe(3000);
  });

  it("names every bad variable and what it expects", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", WORKSPACE_MEMORY: "lots", WORKSPACE_PIDS: "3", PUBLIC_URL: "localhost", WORKSPACE_NETWORK: "-x" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT: expected a whole number (got "eighty")');
    expect(message).toContain('WORKSPACE_MEMORY: expected a size such as 8g, 512m or 1073741824, got "lots"');
    expect(message).toContain("WORKSPACE_PIDS: must be at least 16");
    expect(message).toContain("PUBLIC_URL: expected an absolute URL");
    expect(message).toContain("WORKSPACE_NETWORK: expected letters, digits");
  });

  it("reads decimal settings one way: what a number looks like, then the range, each with its variable's name", () => {
    expect(loadConfig({ WORKSPACE_CPUS: "1.25" }).workspace.limits.cpus).toBe(1.25);
    expect(() => loadConfig({ WORKSPACE_CPUS: "two" })).toThrow(/WORKSPACE_CPUS: expected a number such as 2 or 0.5 \(CPUs\) \(got "two"\)/);
    expect(() => loadConfig({ WORKSPACE_CPUS: "-1" })).toThrow(/WORKSPACE_CPUS: expected a number such as/);
    expect(() => loadConfig({ WORKSPACE_CPUS: "0.001" })).toThrow(/WORKSPACE_CPUS: must be at least 0.01/);
    expect(() => loadConfig({ WORKSPACE_CPUS: "2000" })).toThrow(/WORKSPACE_CPUS: must be at most 1024/);
    expect(decimal(0, 1, "0.25").safeParse("0.25").data).toBe(0.25);
    expect(decimal(0, 1, "0.25").safeParse("1e3").error?.issues[0]?.message).toBe("expected a number such as 0.25");
  });

  it("refuses a memory limit too small to run a shell", () => {
    expect(() => loadConfig({ WORKSPACE_MEMORY: "1m" })).toThrow(/WORKSPACE_MEMORY: must be at least 64 MiB/);
  });
});
