/** Compact ASCII rendering shared by the generators. */

/** `3x`, `-x`, `x`: a coefficient times a variable. */
export function term(coefficient: number, variable = "x"): string {
  if (coefficient === 1) return variable;
  if (coefficient === -1) return `-${variable}`;
  return `${coefficient}${variable}`;
}

/** Appends a signed number: `plus("3x", -4)` → `3x-4`, `plus("3x", 4)` → `3x+4`, zero drops out. */
export function plus(left: string, value: number): string {
  if (value === 0) return left;
  return value < 0 ? `${left}-${-value}` : `${left}+${value}`;
}

/** Appends a signed term: `plusTerm("5", -2)` → `5-2x`. */
export function plusTerm(left: string, coefficient: number, variable = "x"): string {
  if (coefficient === 0) return left;
  return coefficient < 0
    ? `${left}-${term(-coefficient, variable)}`
    : `${left}+${term(coefficient, variable)}`;
}

/** A number in parentheses when negative, for use after an operator: `3*(-2)`. */
export function paren(value: number): string {
  return value < 0 ? `(${value})` : String(value);
}

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: number, b: number): number {
  return Math.abs(a * b) / gcd(a, b);
}
