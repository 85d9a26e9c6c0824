/**
 * `strictObject(shape)`: a zod object that rejects unknown keys with a message naming the key and the
 * known key it most likely meant (`unknown option \`sample\`; did you mean \`samples\`?`). Every
 * boundary schema (strategy options, deliberate.config.yaml, eval plans) uses it, so a typo is an
 * error rather than a setting silently dropped.
 */
import { z } from "zod";
import { didYouMean } from "./did-you-mean.ts";

/**
 * A strict `z.object(shape)`; `noun` names the keys in messages (`option` for strategy options).
 * Default `key`.
 */
export function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, noun = "key") {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      const key = issue.keys[0] ?? "";
      return `unknown ${noun} \`${key}\`${didYouMean(key, known)}`;
    },
  });
}
