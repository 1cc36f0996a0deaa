import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createReadStream, createWriteStream } from "node:fs";
import { createGzip } from "node:zlib";
import type { Logger } from "pino";
import type { ContainerRuntime } from "../runtime/runtime";

// Where the workspace image (images/workspace) installs code-server's copy of VS Code; its `out/` holds the
// workbench's scripts, styles and media, all under `/<quality>-<commit>/static/out/` in code-server's URLs.
const VSCODE_ROOT = "/opt/code-server/lib/vscode";
const COPIED = ["product.json", "out"];
const COMPRESSIBLE = new Set([".js", ".mjs", ".css", ".html", ".json", ".svg", ".map", ".txt", ".wasm", ".ttf"]);
const COMPRESS_MIN_BYTES = 1024;
const READY_FILE = ".ready.json";

export interface StaticTree {
  /** Host directory whose files are code-server's `static/` tree (as far as copied). */
  root: string;
  /** The first segment of code-server's static URLs, e.g. `stable-53c2f32…`. */
  version: string;
}

/**
 * VS Code's workbench files, copied once per workspace image out of the image itself and served by the portal
 * instead of by each workspace's code-server. They are the same for every workspace of that image, and never
 * change under a given commit (the commit is in their URL), so this is safe to share; code-server would
 * otherwise spend the workspace's own CPU limit gzipping 40 MB of scripts on the fly for every browser that
 * opens VS Code. A workspace running another image has another commit in its URLs and is proxied as before.
 * Copied from the image, never from a workspace: nothing a user does inside their container reaches these files.
 * Read through the engine on this portal host that holds the image, not through the workspace backend: each portal
 * host keeps its own copy under its own DATA_ROOT, wherever the workspaces run.
 */
export class CodeStaticFiles {
  private tree: StaticTree | null = null;
  private preparing: Promise<StaticTree | null> | null = null;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly image: string,
    private readonly dataRoot: string,
    private readonly labels: Record<string, string>,
    private readonly log: Logger,
  ) {}

  /** The copied files, once ready; null before, or when the image has no code-server to copy from. */
  get current(): StaticTree | null {
    return this.tree;
  }

  /** Copies (or finds already copied) the image's files; never throws, since proxying still works without them. */
  prepare(): Promise<StaticTree | null> {
    this.preparing ??= this.copy().then(
      (tree) => {
        this.tree = tree;
        if (tree) this.log.info({ version: tree.version, root: tree.root }, "VS Code's static files are served from the image");
        return tree;
      },
      (error: unknown) => {
        this.log.warn({ err: error }, "could not copy VS Code's static files out of the workspace image; code-server serves them");
        this.preparing = null; // a later call may try again
        return null;
      },
    );
    return this.preparing;
  }

  private async copy(): Promise<StaticTree | null> {
    const imageId = await this.runtime.imageId(this.image);
    if (!imageId) return null;
    const base = path.join(this.dataRoot, "code-static");
    const root = path.join(base, imageId.replace(/^sha256:/, "").slice(0, 24));
    const ready = await readReady(root);
    if (ready) return { root, version: ready };

    // A copy cut short (the portal killed mid-way) left a never-started container behind.
    for (const stale of await this.runtime.list(this.labels)) await this.runtime.remove(stale.id);
    await fs.mkdir(base, { recursive: true });
    const partial = await fs.mkdtemp(path.join(base, ".partial-"));
    try {
      for (const name of COPIED) {
        if (!(await this.runtime.copyFromImage(this.image, `${VSCODE_ROOT}/${name}`, partial, this.labels))) {
          this.log.info({ image: this.image }, `the workspace image has no ${VSCODE_ROOT}/${name}; code-server serves VS Code's static files`);
          return null;
        }
      }
      const product = JSON.parse(await fs.readFile(path.join(partial, "product.json"), "utf8")) as { quality?: unknown; commit?: unknown };
      if (typeof product.commit !== "string" || !/^[0-9a-f]{40}$/.test(product.commit)) throw new Error("product.json names no commit");
      const quality = typeof product.quality === "string" && /^[a-z]{1,20}$/.test(product.quality) ? product.quality : "stable";
      const version = `${quality}-${product.commit}`;
      await fs.rm(path.join(partial, "product.json"));
      await precompress(partial);
      await fs.writeFile(path.join(partial, READY_FILE), JSON.stringify({ version }));
      await fs.rm(root, { recursive: true, force: true });
      await fs.rename(partial, root);
      // Other images' copies (an image since replaced) are of no more use.
      for (const entry of await fs.readdir(base)) {
        if (entry !== path.basename(root)) await fs.rm(path.join(base, entry), { recursive: true, force: true });
      }
      return { root, version };
    } finally {
      await fs.rm(partial, { recursive: true, force: true });
    }
  }
}

async function readReady(root: string): Promise<string | null> {
  try {
    const { version } = JSON.parse(await fs.readFile(path.join(root, READY_FILE), "utf8")) as { version?: unknown };
    return typeof version === "string" ? version : null;
  } catch {
    return null;
  }
}

/**
 * A `.gz` beside every file worth compressing, made once here rather than on every request (browsers always
 * accept gzip). One file at a time, so a portal start does not take every core away from running workspaces.
 */
async function precompress(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.has(path.extname(entry.name))) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { size } = await fs.stat(file);
    if (size < COMPRESS_MIN_BYTES) continue;
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(`${file}.gz`));
    // Kept only where it saves something worth a decompression.
    if ((await fs.stat(`${file}.gz`)).size > size * 0.9) await fs.rm(`${file}.gz`);
  }
}
