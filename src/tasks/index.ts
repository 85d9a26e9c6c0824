/**
 * The synthetic generators by name, and `synthetic:NAME?difficulty=3&n=100&seed=1` specs
 * (`from=1` mixes levels 1..difficulty in equal shares).
 */
import { z } from "zod";
import { didYouMean } from "../did-you-mean.ts";
import { DeliberateError } from "../errors.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import { arithmetic } from "./arithmetic.ts";
import { chain } from "./chain.ts";
import { countdown } from "./countdown.ts";
import { fractions } from "./fractions.ts";
import { linear } from "./linear.ts";
import { logic } from "./logic.ts";
import { modular } from "./modular.ts";
import { createRng, mixSeed } from "./rng.ts";
import { sums } from "./sums.ts";
import type { GenerateOptions, ItemMaker, SyntheticItem, SyntheticName } from "./types.ts";

export { checkCountdown } from "./countdown.ts";
export type { GenerateOptions, SyntheticItem, SyntheticName } from "./types.ts";

export const generators: Record<SyntheticName, ItemMaker> = {
  arithmetic,
  linear,
  fractions,
  countdown,
  modular,
  logic,
  sums,
  chain,
};

export const syntheticNames = Object.keys(generators) as SyntheticName[];

const optionsSchema = z
  .object({
    difficulty: z.coerce.number().int().min(1).default(1),
    n: z.coerce.number().int().min(0).default(100),
    seed: z.coerce.number().int().default(1),
    from: z.coerce.number().int().min(1).optional(),
  })
  .transform((o) => ({ ...o, from: o.from ?? o.difficulty }))
  .refine((o) => o.from <= o.difficulty, {
    message: "`from` must be at most `difficulty`",
    path: ["from"],
  });

/**
 * Item i of a level depends only on (name, level, seed, i): a larger `n` extends a smaller one, and
 * a mixed set (`from` < `difficulty`) holds the same items as the single-level sets it cycles through.
 */
export function generateSynthetic(name: SyntheticName, options: GenerateOptions = {}): SyntheticItem[] {
  const { difficulty, n, seed, from } = parseOptions(options);
  const make = generators[name];
  const levels = difficulty - from + 1;
  const items: SyntheticItem[] = [];
  for (let j = 0; j < n; j++) {
    const level = from + (j % levels);
    const i = Math.floor(j / levels);
    const rng = createRng(mixSeed(name, level, seed, i));
    items.push({ id: `${name}-d${level}-s${seed}-${i}`, difficulty: level, ...make(rng, level) });
  }
  return items;
}

function parseOptions(options: GenerateOptions): Required<GenerateOptions> {
  return parseOrBadRequest(optionsSchema, options, { subject: "synthetic" });
}

export interface SyntheticSpec extends Required<GenerateOptions> {
  name: SyntheticName;
}

/** Parses `synthetic:NAME?difficulty=3&n=100&seed=1`; `defaults` fill what the spec leaves out. */
export function parseSyntheticSpec(spec: string, defaults: GenerateOptions = {}): SyntheticSpec {
  const match = /^synthetic:([a-z]+)(?:\?(.*))?$/.exec(spec);
  if (!match) throw new DeliberateError("BAD_REQUEST", `not a synthetic dataset spec: \`${spec}\``);
  const name = match[1] as SyntheticName;
  if (!(name in generators)) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `unknown synthetic generator \`${match[1]}\`${didYouMean(match[1]!, syntheticNames)}`,
    );
  }
  const query = Object.fromEntries(new URLSearchParams(match[2] ?? ""));
  const known = ["difficulty", "n", "seed", "from"];
  for (const key of Object.keys(query)) {
    if (!known.includes(key)) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `unknown synthetic option \`${key}\` in \`${spec}\`${didYouMean(key, known)}`,
        { param: key },
      );
    }
  }
  return { name, ...parseOptions({ ...defaults, ...query } as GenerateOptions) };
}
