/**
 * Resolves on the first SIGINT or SIGTERM (the foreground commands' way to stop cleanly). Call it
 * before printing anything another process reacts to: until then a signal kills the process.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
