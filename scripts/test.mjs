#!/usr/bin/env node
// `npm test`: typecheck, lint, build, then every uvu suite (TypeScript through tsx). Ends with one line of
// its own, `N passed, N failed[, N skipped]`, so CI can count: uvu's totals, plus one failure for
// a failed typecheck, lint or build.
import { spawn } from 'node:child_process'

const SUITE_TIMEOUT_MS = 8 * 60 * 1000
const pattern = process.argv[2] ?? '\\.test\\.ts$'

function run(cmd, args, { capture = false, timeout = 0 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] })
    let out = ''
    if (capture) {
      child.stdout.on('data', (chunk) => {
        out += chunk
        process.stdout.write(chunk)
      })
    }
    const timer = timeout
      ? setTimeout(() => {
          console.error(`\n${cmd} ${args.join(' ')}: no result after ${timeout / 1000}s, killed`)
          child.kill('SIGKILL')
        }, timeout)
      : null
    child.on('close', (code) => {
      if (timer) clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

const bin = (name) => `node_modules/.bin/${name}`
let checkFailures = 0

console.log('> typecheck')
if ((await run(bin('tsc'), ['-p', 'tsconfig.json'])).code !== 0) checkFailures++
if ((await run(bin('tsc'), ['-p', 'tsconfig.explorer.json', '--noEmit'])).code !== 0) checkFailures++
console.log('> lint')
if ((await run(bin('biome'), ['check', '.'])).code !== 0) checkFailures++

// The CLI suites run the built command (dist/esm/cli/main.js), the explorer suites its page too.
console.log('> build')
if ((await run(process.execPath, ['scripts/build.mjs'])).code !== 0) checkFailures++

console.log('> uvu')
const suites = await run(
  process.execPath,
  ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern, '-c', 'false', '-i', 'helpers'],
  { capture: true, timeout: SUITE_TIMEOUT_MS }
)
const total = Number(/Total:\s+(\d+)/.exec(suites.out)?.[1] ?? 0)
const passed = Number(/Passed:\s+(\d+)/.exec(suites.out)?.[1] ?? 0)
const skipped = Number(/Skipped:\s+(\d+)/.exec(suites.out)?.[1] ?? 0)
// uvu's Total leaves skipped tests out. A run that crashed before its totals counts as one failure.
const crashed = suites.code !== 0 && total === passed ? 1 : 0
const failed = total - passed + crashed + checkFailures

if (checkFailures > 0) console.log(`(${checkFailures} of typecheck/lint/build failed, counted as failures)`)
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 ? 1 : 0)
