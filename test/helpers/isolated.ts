/**
 * Scenarios run in a child process by `isolated()` (test/helpers/hostile.ts): each prints one JSON
 * line, how its call settled, then exits. The parent kills a child that never reports.
 */
import { codeOf, forgedPointerSetup, type IsolatedResult, outcome, teardown } from './hostile.js'

const [scenario = '', ...args] = process.argv.slice(2)

async function forgedDownload(kind: number): Promise<IsolatedResult> {
  const { multi } = await forgedPointerSetup(kind)
  const o = await outcome(multi.download('/').done())
  if (o.status !== 'rejected') return { status: o.status }
  return { status: 'rejected', code: codeOf(o) }
}

const scenarios: Record<string, (...args: string[]) => Promise<IsolatedResult>> = {
  'forged-download': (kind) => forgedDownload(Number(kind))
}

const run = scenarios[scenario]
if (run === undefined) throw new Error(`no scenario '${scenario}'`)
const result = await run(...args)
process.stdout.write(`${JSON.stringify(result)}\n`)
await teardown()
process.exit(0)
