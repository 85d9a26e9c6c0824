/**
 * A store resumes a cell's finished records by the cell's name, and a cell names its models by spec
 * (`builtin:tiny-reasoner-prm`), not by what the spec loads. When the file behind a spec changes (a
 * retrained builtin, a new GGUF at the same path, another engine), the stored records were made by
 * another model, and a resumed run would print their numbers as this run's. So the store keeps what
 * each model entry's roles ran — the backends' fingerprints (file contents, engine, threads,
 * context) or, where a backend has none, its id — and a run whose models differ from the ones that
 * finished its cells stops before solving anything, naming what changed.
 */
import { DeliberateError } from "../errors.ts";
import { modelLabel } from "./cell-key.ts";
import { type ModelEntry, roleModels } from "./model-entry.ts";
import type { ResultStore } from "./store-types.ts";

/** Role → what the role's backend runs (its fingerprint, else its id). */
export type ModelFiles = Record<string, string>;

export function modelFiles(model: ModelEntry): ModelFiles {
  return Object.fromEntries(
    roleModels(model).map(([role, entry]) => [role, entry.backend.fingerprint ?? entry.backend.id]),
  );
}

/**
 * Records `model`'s files in `store`, or, when the store recorded others and `finished` (some cell
 * of this model has finished records), refuses: those records were made by other models.
 */
export async function checkModelFiles(
  store: ResultStore,
  model: ModelEntry,
  finished: boolean,
): Promise<void> {
  const label = modelLabel(model);
  const key = `model-files:${label}`;
  const now = modelFiles(model);
  const before = await store.getMeta<ModelFiles>(key);
  const changed = before
    ? [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((role) => before[role] !== now[role])
    : [];
  if (changed.length > 0 && finished) {
    const what = changed.map((role) => `${role}: ${before?.[role] ?? "none"} → ${now[role] ?? "none"}`);
    throw new DeliberateError(
      "BAD_REQUEST",
      `the store holds finished results of \`${label}\` made with other models than this run's (${what.join("; ")}); resuming would report their numbers as this run's: use another --store, or delete that model's results from it`,
      { param: "store" },
    );
  }
  if (before === undefined || changed.length > 0) await store.setMeta(key, now);
}
