/**
 * zod pieces shared by strategy option schemas, so every strategy spells sampling knobs the same way.
 */
import { z } from "zod";
import { strictObject } from "../strict-object.ts";

/**
 * A strategy's options schema: strict, so a typo (`sample=4`) is an error naming the option it most
 * likely meant instead of a setting silently dropped.
 */
export function strategyOptions<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return strictObject(shape, "option");
}

/** Sampling knobs for a strategy's own model calls; `temperature` defaults per strategy. */
export function samplingShape(defaultTemperature: number) {
  return {
    temperature: z
      .number()
      .min(0)
      .default(defaultTemperature)
      .describe(`Sampling temperature, >= 0 (0 = greedy). Default ${defaultTemperature}.`),
    topP: z.number().gt(0).max(1).optional().describe("Nucleus sampling mass in (0, 1]."),
    maxTokens: z
      .number()
      .int()
      .positive()
      .default(1024)
      .describe("Most tokens per completion. Default 1024 (the budget may cap it further)."),
  };
}

export type SamplingSettings = { temperature: number; topP?: number; maxTokens: number };

/** Composition: sample with another registered strategy instead of one plain completion. */
export const innerShape = {
  inner: z
    .string()
    .optional()
    .describe("Strategy each sample runs (e.g. `program-aided`); default: one plain completion."),
  innerOptions: z.record(z.string(), z.unknown()).optional().describe("Options for the inner strategy."),
};

/** Number of samples (candidates), >= 1. */
export function samplesShape(defaultSamples: number) {
  return {
    samples: z
      .number()
      .int()
      .min(1)
      .default(defaultSamples)
      .describe(`Candidates to sample, >= 1. Default ${defaultSamples}.`),
  };
}
