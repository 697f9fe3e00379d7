// Ambient declarations for safety-catch: rethrows programming errors (TypeError, ...), swallows the rest.
declare module 'safety-catch' {
  function safetyCatch(err: unknown): void
  export = safetyCatch
}
