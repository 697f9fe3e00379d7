/**
 * `npm run bench:crash [-- --runs N] [--seed S] [--max-delay MS]`: the crash loop. A child process
 * (bench/crash-child.ts) builds an on-disk index over on-disk drives while writing through the
 * MultiDrive; it is SIGKILLed at a random moment of that work, N times, and restarted each time.
 * Every restart must reopen, catch up, pass verify(), and still show every write that resolved
 * before any kill. Prints kills, recovery time (median / p99) and mismatches; exits 1 on any
 * verify difference, lost write, child failure or hang. Not part of `npm test`.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { JournalLine } from './crash-child.js'
import { random, summarize } from './lib/measure.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    'max-delay': { type: 'string', default: '1500' },
    keep: { type: 'boolean', default: false }
  }
})
const runs = Number(values.runs)
const maxDelay = Number(values['max-delay'])
const next = random(Number(values.seed))
/** A child that has not started working by then is hung in recovery (or verify). */
const RECOVERY_DEADLINE_MS = 180_000

interface ChildRun {
  /** Killed by us (rather than exiting on its own). */
  killed: boolean
  code: number | null
  /** ms after 'working' at which it was killed */
  killedAfter: number | null
  hung: boolean
}

function runChild(dir: string, run: number, final: boolean): Promise<ChildRun> {
  const script = join(import.meta.dirname, 'crash-child.ts')
  const args = ['--import', 'tsx', script, dir, String(run), ...(final ? ['--final'] : [])]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let killed = false
    let hung = false
    let killedAfter: number | null = null
    let killTimer: NodeJS.Timeout | undefined
    const deadline = setTimeout(() => {
      hung = true
      child.kill('SIGKILL')
    }, RECOVERY_DEADLINE_MS)
    child.stdout.on('data', (chunk: Buffer) => {
      if (final || killTimer !== undefined || !chunk.toString().includes('working')) return
      clearTimeout(deadline)
      const delay = next() * maxDelay
      killTimer = setTimeout(() => {
        killed = true
        killedAfter = delay
        child.kill('SIGKILL')
      }, delay)
    })
    child.on('close', (code) => {
      clearTimeout(deadline)
      clearTimeout(killTimer)
      resolve({ killed, code, killedAfter, hung })
    })
  })
}

async function journalOf(dir: string): Promise<JournalLine[]> {
  const text = await readFile(join(dir, 'journal.jsonl'), 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalLine)
}

function ms(x: number): string {
  return `${Math.round(x).toLocaleString('en-US')} ms`
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'multidrive-crash-'))
  const failures: string[] = []
  const killDelays: number[] = []
  let kills = 0
  const started = Date.now()
  try {
    for (let run = 0; run <= runs; run++) {
      const final = run === runs
      const result = await runChild(dir, run, final)
      if (result.hung)
        failures.push(`run ${run}: no sign of work after ${ms(RECOVERY_DEADLINE_MS)} (recovery or verify hung)`)
      else if (result.killed) {
        kills++
        killDelays.push(result.killedAfter ?? 0)
      } else if (result.code !== 0) failures.push(`run ${run}: the child exited with ${result.code}`)
      else if (!final) failures.push(`run ${run}: the child stopped working before the kill`)
      if (process.stdout.isTTY) process.stdout.write(`\rrun ${run + 1}/${runs + 1}, ${kills} kills`)
    }
    if (process.stdout.isTTY) process.stdout.write('\n')

    const journal = await journalOf(dir)
    const recovered = journal.filter((l) => l.type === 'recovered')
    const verified = journal.filter((l) => l.type === 'verified')
    const checked = journal.filter((l) => l.type === 'checked')
    const writes = journal.filter((l) => l.type === 'write')
    for (const line of journal) if (line.type === 'error') failures.push(`run ${line.run}: ${line.message}`)
    for (const v of verified) {
      if (!v.ok) failures.push(`run ${v.run}: verify() found ${v.differences} differences (${v.sample.join(', ')})`)
    }
    const lost = new Set<string>()
    for (const c of checked) for (const path of c.lost) lost.add(path)
    if (lost.size > 0) failures.push(`${lost.size} resolved writes lost: ${[...lost].slice(0, 5).join(', ')}`)
    if (recovered.length !== runs + 1) failures.push(`${recovered.length} of ${runs + 1} runs recovered`)

    const recovery = summarize(recovered.map((l) => l.ms))
    const verifyTime = summarize(verified.map((l) => l.ms))
    const behind = recovered.filter((l) => l.run > 0 && l.caughtUp > 0)
    const killsAt = summarize(killDelays)
    console.log(
      `crash loop: ${kills} SIGKILLs in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${values.seed})`
    )
    const backlog = summarize(behind.map((l) => l.caughtUp))
    console.log(
      `  killed ${ms(killsAt.median)} (median) after work began, at most ${ms(maxDelay)}; ${behind.length} restarts found the index behind (by ${backlog.median} nodes median, ${Math.max(0, ...behind.map((l) => l.caughtUp))} at most)`
    )
    console.log(`  recovery (open, catch up, flush): median ${ms(recovery.median)}, p99 ${ms(recovery.p99)}`)
    console.log(`  verify() after restart: median ${ms(verifyTime.median)}, p99 ${ms(verifyTime.p99)}`)
    console.log(
      `  mismatches: ${verified.filter((v) => !v.ok).length} of ${verified.length} verify() runs; ${lost.size} of ${writes.length} resolved writes lost`
    )
    for (const failure of failures) console.log(`  FAIL ${failure}`)
    process.exitCode = failures.length > 0 ? 1 : 0
  } finally {
    if (values.keep) console.log(`  kept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
