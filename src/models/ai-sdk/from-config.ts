/**
 * A configured AI SDK model (`aiSdk: { package, factory, settings, apiKeyEnv, model }` in
 * `deliberate.config.yaml`) as a deliberate backend: the provider package is imported when the model
 * is first used, so the AI SDK stays an optional dependency, and a missing package or factory is a
 * CONFIG error naming the entry.
 */
import { DeliberateError } from "../../errors.ts";
import type { ModelBackend } from "../types.ts";
import { aiSdkBackend } from "./ai-sdk-backend.ts";

export interface AiSdkModelConfig {
  package: string;
  factory?: string;
  settings?: Record<string, unknown>;
  apiKeyEnv?: string;
  model: string;
}

type ProviderFactory = (settings: Record<string, unknown>) => {
  languageModel?: (id: string) => unknown;
  (id: string): unknown;
};

/** Builds the backend of configured model `name`; `param` paths point into the config file. */
export async function aiSdkBackendFromConfig(name: string, config: AiSdkModelConfig): Promise<ModelBackend> {
  const param = `models.${name}.aiSdk`;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(config.package)) as Record<string, unknown>;
  } catch (error) {
    throw new DeliberateError(
      "CONFIG",
      `model \`${name}\` names the AI SDK provider package \`${config.package}\`, which could not be loaded (is it installed beside deliberate?): ${(error as Error).message}`,
      { param: `${param}.package`, cause: error },
    );
  }
  const factories = Object.keys(exports).filter(
    (key) => /^create[A-Z]/.test(key) && typeof exports[key] === "function",
  );
  const factoryName = config.factory ?? (factories.length === 1 ? factories[0] : undefined);
  const factory = factoryName === undefined ? undefined : exports[factoryName];
  if (typeof factory !== "function") {
    throw new DeliberateError(
      "CONFIG",
      `model \`${name}\`: ${config.factory ? `\`${config.package}\` has no function \`${config.factory}\`` : `say which factory of \`${config.package}\` to use`} (its create… exports: ${factories.join(", ") || "none"})`,
      { param: `${param}.factory` },
    );
  }
  const settings: Record<string, unknown> = { ...config.settings };
  if (config.apiKeyEnv !== undefined) {
    const apiKey = process.env[config.apiKeyEnv];
    if (!apiKey) {
      throw new DeliberateError(
        "CONFIG",
        `model \`${name}\` reads its API key from $${config.apiKeyEnv}, which is not set`,
        {
          param: `${param}.apiKeyEnv`,
        },
      );
    }
    settings.apiKey = apiKey;
  }
  const provider = (factory as ProviderFactory)(settings);
  const model =
    typeof provider.languageModel === "function"
      ? provider.languageModel(config.model)
      : provider(config.model);
  if (
    typeof model !== "object" ||
    model === null ||
    (model as { specificationVersion?: unknown }).specificationVersion !== "v3"
  ) {
    throw new DeliberateError(
      "CONFIG",
      `model \`${name}\`: \`${config.package}\` did not return an AI SDK LanguageModelV3 for \`${config.model}\` (deliberate supports the AI SDK 6 provider line)`,
      { param: `${param}.package` },
    );
  }
  return aiSdkBackend(model as Parameters<typeof aiSdkBackend>[0], { id: `ai-sdk:${name}` });
}
