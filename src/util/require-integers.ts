import { DeliberateError } from "../errors.ts";

/**
 * Checks numeric options that must be whole numbers with a floor, `[name, value, least]` each; the
 * first that is not throws BAD_REQUEST naming it (`param` is the name), the way every option list
 * in the project reports it.
 */
export function requireIntegers(
  checks: ReadonlyArray<readonly [name: string, value: number, least: number]>,
): void {
  for (const [name, value, least] of checks) {
    if (!(Number.isInteger(value) && value >= least)) {
      throw new DeliberateError("BAD_REQUEST", `\`${name}\` must be an integer >= ${least}, got ${value}`, {
        param: name,
      });
    }
  }
}
