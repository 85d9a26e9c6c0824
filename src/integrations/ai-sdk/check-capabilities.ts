/**
 * Before any model call: does the model the strategy will run on have what the strategy needs?
 * Generic AI SDK models have no logprobs, no `score()` and no prefill, and a strategy that needs one
 * would otherwise fail halfway (step search) or quietly become another method (confidence-vote
 * without logprobs is a plain majority vote). So the run fails first, with an error naming the
 * strategy, the model and the missing capability.
 */
import { DeliberateError } from "../../errors.ts";
import type { Capabilities } from "../../models/types.ts";
import { parseStrategyOptions, strategyDefinition } from "../../strategies/registry.ts";
import type { AnyStrategy, BackendRole, Backends } from "../../strategies/types.ts";

type Capability = keyof Pick<Capabilities, "logprobs" | "prefill" | "score">;

interface Need {
  role: BackendRole;
  capability: Capability;
  /** Why the strategy needs it, for the message. */
  why: string;
}

const CAPABILITY_WORDS: Record<Capability, string> = {
  logprobs: "token logprobs",
  prefill: "prefill (continuing a partial assistant reply)",
  score: "score() (the logprobs of a given continuation)",
};

/** Where a missing capability can come from, said in the error. */
const REMEDY: Record<Capability, string> = {
  logprobs: "give the model's `logprobs` adapter if its provider returns them (e.g. `openaiLogprobs`)",
  prefill: "set `prefill: true` if the provider continues a trailing assistant message",
  score: "use a deliberate backend with score() (a GGUF model through `createDeliberate`)",
};

/** What a registered strategy needs beyond text, from its parsed options. */
function needsOf(name: string, options: Record<string, unknown>): Need[] {
  const needs: Need[] = [];
  switch (name) {
    case "confidence-vote":
      needs.push({
        role: "policy",
        capability: "logprobs",
        why: "it weighs each trace by its token logprobs",
      });
      break;
    case "beam":
    case "dvts":
      needs.push({ role: "policy", capability: "prefill", why: "step search continues partial traces" });
      break;
    case "mcts":
      needs.push({ role: "policy", capability: "prefill", why: "MCTS continues partial solutions" });
      break;
    case "speculative-thinking":
      for (const role of ["policy", "large"] as const) {
        needs.push({ role, capability: "prefill", why: "both models continue one shared reply" });
      }
      break;
  }
  if (options.verifier === "reward") {
    needs.push({ role: "verifier", capability: "score", why: "the `reward` verifier scores a continuation" });
  }
  return needs;
}

/**
 * Throws `BAD_REQUEST` when the strategy (or an `inner` one) needs a backend role that is missing or
 * a capability its backend lacks. Options are parsed (and so checked) here too.
 */
export function checkCapabilities(
  strategy: string | AnyStrategy,
  options: Record<string, unknown>,
  backends: Backends,
): void {
  const definition = typeof strategy === "string" ? strategyDefinition(strategy) : strategy;
  const parsed = parseStrategyOptions(definition, options);
  for (const role of definition.roles) {
    if (!backends[role]) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `strategy \`${definition.name}\` needs a \`${role}\` model and none was given: pass \`${role}\``,
        { param: role },
      );
    }
  }
  for (const need of needsOf(definition.name, parsed)) {
    // A verifier role falls back to the policy, as the verifiers do.
    const backend = backends[need.role] ?? backends.policy;
    if (backend.capabilities[need.capability]) continue;
    throw new DeliberateError(
      "BAD_REQUEST",
      `strategy \`${definition.name}\` needs ${CAPABILITY_WORDS[need.capability]} and model \`${backend.id}\` has none: ${need.why}. ${upperFirst(REMEDY[need.capability])}, or choose a strategy without this need (self-consistency, best-of-n with the judge verifier)`,
      { param: need.role === "policy" ? "strategy" : need.role },
    );
  }
  const inner = parsed.inner;
  if (typeof inner === "string") {
    checkCapabilities(inner, (parsed.innerOptions as Record<string, unknown> | undefined) ?? {}, backends);
  }
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
