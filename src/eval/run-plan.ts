/**
 * Runs an eval plan end to end: resolves models (with their configured prices), loads datasets,
 * validates strategies and their options up front, runs the grid, and closes what it opened.
 */

import { DeliberateError } from "../errors.ts";
import { loadConfig } from "../models/config.ts";
import { type PricePerMillion, perToken } from "../models/pricing.ts";
import { RawQuestionBackend } from "../models/raw-question-backend.ts";
import { ModelRegistry } from "../models/registry.ts";
import type { ModelBackend } from "../models/types.ts";
import { redact } from "../queue/redis-url.ts";
import { parseShard } from "../queue/shard.ts";
import { parseStrategyOptions, takesOption } from "../strategies/index.ts";
import { checkGivenParameters, modelParameters } from "./compute-parameters.ts";
import { loadDataset } from "./datasets/load-dataset.ts";
import { defaultOutDir, type EvalPlan } from "./eval-plan.ts";
import { createItemGrader } from "./grade-item.ts";
import type { ProgressMode } from "./progress.ts";
import { type ModelEntry, type RoleModel, type RunEvalResult, runEval, type StrategySpec } from "./runner.ts";
import { redactStoreSpec } from "./store-spec.ts";
import { expandStrategyEntry, parseStrategyEntry } from "./strategy-sweep.ts";
import type { Dataset, EvalRecord } from "./types.ts";

export interface RunEvalPlanOptions {
  progress?: ProgressMode;
  signal?: AbortSignal;
  onRecord?: (record: EvalRecord) => void;
  /** Keep every sample's full text in its record (distillation). Default false. */
  keepSampleTexts?: boolean;
  /** Datasets loaded already, run instead of the plan's `datasets` (distillation's hinted STaR set). */
  datasets?: Dataset[];
  /** Backends for model specs, used instead of resolving those specs (tests and benches: scripted models). */
  backends?: Record<string, ModelBackend>;
  /** Notes for the user while running (a distributed run's id, no worker listening). Default: none. */
  log?: (line: string) => void;
}

/**
 * A plan's strategy entry as grid strategies: one per budget of a sweep (strategy-sweep.ts), with
 * the plan's `samples` applied where the strategy takes it (never over a sweep of `samples`: the
 * sweep lists them), options validated.
 */
function strategiesOf(entry: EvalPlan["strategies"][number], samples?: number): StrategySpec[] {
  return expandStrategyEntry(typeof entry === "string" ? parseStrategyEntry(entry) : entry).map((spec) => {
    const options = {
      ...spec.options,
      ...(samples !== undefined && spec.sweep !== "samples" && takesOption(spec.name, "samples")
        ? { samples }
        : {}),
    };
    parseStrategyOptions(spec.name, options);
    return {
      name: spec.name,
      ...(Object.keys(options).length ? { options } : {}),
      ...(spec.sweep ? { sweep: spec.sweep } : {}),
    };
  });
}

export async function runEvalPlan(plan: EvalPlan, options: RunEvalPlanOptions = {}): Promise<RunEvalResult> {
  const strategies = plan.strategies.flatMap((s) => strategiesOf(s, plan.samples));
  const datasets =
    options.datasets ??
    (await Promise.all(
      plan.datasets.map((entry) => {
        const d = typeof entry === "string" ? { path: entry } : entry;
        return loadDataset(d.path, {
          layout: d.layout,
          fields: d.fields,
          kind: d.kind,
          limit: d.limit ?? plan.limit,
          difficulty: d.difficulty ?? plan.difficulty,
          n: d.n,
          seed: d.seed,
        });
      }),
    ));
  if (plan.queue && options.backends) {
    throw new DeliberateError(
      "BAD_REQUEST",
      "backends given as objects cannot travel to queue workers: run without `queue`, or name the models by spec",
      { param: "queue" },
    );
  }
  const registry = new ModelRegistry({
    config: loadConfig(plan.config),
    threads: plan.threads,
    contextSize: plan.contextSize,
  });
  try {
    const models = await resolvePlanModels(plan, strategies, registry, options.backends);
    // Workers rebuild the run from data: the plan (less the queue's URL), the parsed config, the
    // strategies and the loaded datasets, so they need no dataset or config files of their own.
    // BullMQ is loaded only by runs that use it (a fifth of a second of start-up otherwise).
    const queue = plan.queue
      ? new (await import("../queue/bullmq-queue.ts")).BullmqQueue({
          url: plan.queue,
          run: {
            plan: { ...plan, queue: undefined },
            config: registry.config,
            strategies,
            datasets,
            keepSampleTexts: options.keepSampleTexts ?? false,
          },
          log: options.log,
        })
      : undefined;
    return await runEval({
      models,
      strategies,
      datasets,
      outDir: plan.out ?? defaultOutDir(plan),
      storePath: plan.store,
      seeds: plan.seeds,
      baseSeed: plan.baseSeed,
      budget: plan.budget,
      systemPrompt: plan.systemPrompt,
      grader: createItemGrader({ mode: plan.grader }),
      progress: options.progress,
      signal: options.signal,
      onRecord: options.onRecord,
      keepSampleTexts: options.keepSampleTexts,
      ...(queue ? { queue } : {}),
      // The store's and the queue's passwords stay out of results.json.
      settings: {
        plan: {
          ...plan,
          ...(plan.store ? { store: redactStoreSpec(plan.store) } : {}),
          ...(plan.queue ? { queue: redact(plan.queue) } : {}),
        },
      },
      costUnit: plan.costUnit,
      ...(plan.shard ? { shard: parseShard(plan.shard) } : {}),
    });
  } finally {
    await registry.close();
  }
}

/**
 * The plan's model entries with their backends from `registry` (one backend per spec, the
 * raw-prompt wrapper included), prices, parameter counts and concurrency: what `runEval` takes,
 * built the same way by the coordinator and by every queue worker. `backends` stand in for specs
 * (scripted models; their counts only as the plan gives them).
 */
export async function resolvePlanModels(
  plan: EvalPlan,
  strategies: StrategySpec[],
  registry: ModelRegistry,
  backends?: Record<string, ModelBackend>,
): Promise<ModelEntry[]> {
  const backendsBySpec = new Map<string, ModelBackend>();
  const parametersBySpec = new Map<string, Promise<number | undefined>>();
  const given = plan.parameters ?? {};
  checkGivenParameters(given, [
    ...plan.models.flatMap((entry) => {
      const m = typeof entry === "string" ? { spec: entry } : entry;
      return [m.spec, ...(m.large ? [m.large] : []), ...(m.verifier ? [m.verifier] : [])];
    }),
    ...(plan.large ? [plan.large] : []),
    ...(plan.verifier ? [plan.verifier] : []),
  ]);
  const models: ModelEntry[] = [];
  for (const entry of plan.models) {
    const m = typeof entry === "string" ? { spec: entry } : entry;
    const unknown = m.strategies?.find((name) => !strategies.some((s) => s.name === name));
    if (unknown !== undefined) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `model \`${m.name ?? m.spec}\` lists strategy \`${unknown}\`, which the plan does not run (${strategies.map((s) => s.name).join(", ")})`,
        { param: "models.strategies" },
      );
    }
    const raw = m.rawPrompt ?? plan.rawPrompt;
    // The same backend (raw-prompt wrapper included) for a spec named in several roles or entries.
    const role = async (spec: string, price?: PricePerMillion): Promise<RoleModel> => {
      const base = backends?.[spec] ?? (await registry.get(spec));
      let backend = backendsBySpec.get(spec);
      if (!backend) {
        // builtin: models take raw prompts already.
        backend = raw && !(base instanceof RawQuestionBackend) ? new RawQuestionBackend(base) : base;
        backendsBySpec.set(spec, backend);
      }
      // The plan's price for this entry, else the configured model's, attached to its backend.
      const prices = price ? perToken(price) : registry.prices(base.id);
      let counted = parametersBySpec.get(spec);
      if (!counted) {
        counted = backends?.[spec]
          ? Promise.resolve(Object.hasOwn(given, spec) ? given[spec] : undefined)
          : modelParameters(spec, { config: registry.config, given });
        parametersBySpec.set(spec, counted);
      }
      const parameters = await counted;
      return { name: spec, backend, ...(prices ? { prices } : {}), ...(parameters ? { parameters } : {}) };
    };
    const policy = await role(m.spec, m.price);
    // The plan's large (or verifier) model is not its own: `-m small -m big --large big` runs big
    // alone too, the baseline a cascade is compared with.
    const large = m.large ?? (plan.large === m.spec ? undefined : plan.large);
    const verifier = m.verifier ?? (plan.verifier === m.spec ? undefined : plan.verifier);
    models.push({
      ...policy,
      name: m.name ?? m.spec,
      concurrency: m.concurrency ?? plan.concurrency,
      ...(m.strategies ? { strategies: m.strategies } : {}),
      ...(large ? { large: await role(large, m.largePrice) } : {}),
      ...(verifier ? { verifier: await role(verifier, m.verifierPrice) } : {}),
    });
  }
  return models;
}
