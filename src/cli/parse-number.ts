import { InvalidArgumentError } from "commander";

/** Commander argument parsers that reject junk at the boundary with a message naming the expectation. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return parsed;
  };
}

export function number(min: number, max = Number.POSITIVE_INFINITY): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `expected a number${Number.isFinite(max) ? ` in [${min}, ${max}]` : ` >= ${min}`}`,
      );
    }
    return parsed;
  };
}

/** For repeatable options: `--stop a --stop b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
