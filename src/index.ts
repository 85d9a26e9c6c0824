/** deliberate's public surface: an explicit list. */
export { DeliberateError, type ErrorCode } from "./errors.ts";
export type * from "./grading/types.ts";
export type * from "./models/types.ts";
export type * from "./strategies/types.ts";
export type * from "./trace/types.ts";
