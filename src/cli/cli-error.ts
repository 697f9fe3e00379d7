/**
 * Errors of the command itself (not of the library): a stable `code`, printed as `CODE: message`
 * like a MultiDriveError. `ELOCKED` (the data directory is held by another process), `ECONFIG` (a
 * config that does not parse), `EHTTP` (a running serve answered something unexpected),
 * `EVERIFY` (the index differs from the drives), `EUSAGE` (exit 2: a bad command line).
 */
export class CliError extends Error {
  readonly code: string
  readonly exitCode: number

  constructor(code: string, message: string, opts: { cause?: unknown; exitCode?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'CliError'
    this.code = code
    this.exitCode = opts.exitCode ?? (code === 'EUSAGE' ? 2 : 1)
  }
}

/** An error's message without the `CODE: ` it may already start with (a MultiDriveError's, Node's fs errors'). */
export function messageText(code: string, message: string): string {
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message
}
