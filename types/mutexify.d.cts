// Ambient declarations for mutexify/promise: `await lock()` resolves with the release function.
declare module 'mutexify/promise.js' {
  function mutexify(): (() => Promise<() => void>) & { readonly locked: boolean }
  export = mutexify
}
