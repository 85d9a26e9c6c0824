/**
 * The strategies layer's public surface: `solve()`, the registry, `defineStrategy` and the helpers a
 * strategy author composes (sampling, voting, stopping) with the call layer beneath them.
 */
export { callModel, scoreModel } from "../run/call-model.ts";
export { deriveSeed, problemKey } from "../run/seeds.ts";
export { type DefinedStrategy, defineStrategy, type StrategyDeclaration } from "./define-strategy.ts";
export {
  describeStrategies,
  type OptionsOf,
  parseStrategyOptions,
  requiredRoles,
  type SolveOptions,
  type StrategyName,
  solve,
  strategies,
  strategyDefinition,
  takesOption,
} from "./registry.ts";
export { type Candidate, evidence, fromCompletion, sampleCandidates, settle } from "./sample.ts";
export { type StoppingRule, shouldStop } from "./stopping.ts";
export type * from "./types.ts";
export { candidateConfidence, recordVote, vote } from "./voting.ts";
