/** `deliberate/testing`: backends and servers for testing code built on deliberate. */
export {
  type OpenAIServer,
  type OpenAIServerOptions,
  type Responder,
  type ScriptedReply,
  startOpenAIServer,
} from "./openai-server.ts";
export {
  type Script,
  ScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedOutput,
} from "./scripted-backend.ts";
