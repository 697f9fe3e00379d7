// The README's "Two machines, one drive" walkthrough, run as written: its commands are read from
// README.md and run against the built command. Only what differs per run is substituted: the
// pasted keys, ports (any free one), and `curl` (fetch). A trailing `# comment` on a read is the
// output it must print (polled until it does: the other peer's write arrives over the swarm).
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, lineMatching, ok, poll, run, Serve, spawnLong, tempDir } from '../helpers/cli.js'

const test = suite('README walkthrough')
test.after(cleanup)

async function walkthrough(): Promise<string[]> {
  const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf-8')
  const section = readme.split('### Two machines, one drive')[1]
  const block = section ? /```sh\n([\s\S]*?)```/.exec(section)?.[1] : undefined
  if (!block) throw new Error('README.md has no "Two machines, one drive" shell block')
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
}

/** `multidrive a b 'c d'` -> its arguments (single quotes only, as the README writes them). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string)
}

test('the two-machine walkthrough in README.md works as written', async () => {
  const lines = await walkthrough()
  assert.ok(lines.length >= 10, 'the walkthrough has its commands')
  const cwd = await tempDir()
  const keys: Record<string, string> = {}
  const serves: Record<string, Serve & { port: string }> = {}
  let bootstrap = ''
  let checked = 0

  for (const line of lines) {
    const [command = '', comment = ''] = line.split(/\s+#\s+/)
    let input: string | undefined
    let rest = command.trim()
    const echo = /^echo '([^']*)' \| (.*)$/.exec(rest)
    if (echo) {
      input = `${echo[1]}\n`
      rest = echo[2] as string
    }
    const curl = /^curl (http:\/\/127\.0\.0\.1:(\d+))(\/\S*)$/.exec(rest)
    if (curl) {
      const serve = Object.values(serves).find((s) => s.port === curl[2])
      assert.ok(serve, `a serve listens on ${curl[2]}`)
      const route = curl[3] as string
      const who = await poll(async () => {
        const res = await fetch(`${serve?.url}${route}`)
        const body = (await res.json()) as { winner?: { drive: string } }
        return body.winner?.drive === keys.alice ? body : undefined
      }, line)
      assert.is(who.winner?.drive, keys.alice)
      checked++
      continue
    }
    assert.ok(rest.startsWith('multidrive '), `a multidrive command: ${line}`)
    const args = words(rest.slice('multidrive '.length))
      .map((w) => (w === 'ALICE_KEY' ? (keys.alice as string) : w === 'BOB_KEY' ? (keys.bob as string) : w))
      .map((w) => (bootstrap && /^127\.0\.0\.1:\d+$/.test(w) ? bootstrap : w))
    const data = args[0] === '--data' ? (args[1] as string) : ''
    const sub = args[data ? 2 : 0]

    if (sub === 'testnet') {
      const { child } = spawnLong(['testnet', '--port', '0'], { cwd })
      bootstrap = (await lineMatching(child, /^(127\.0\.0\.1:\d+)$/))[1] as string
    } else if (sub === 'serve') {
      const port = args[args.indexOf('--port') + 1] as string
      args[args.indexOf('--port') + 1] = '0'
      serves[data] = Object.assign(await Serve.spawn(data, args, { cwd }), { port })
    } else if (sub === 'init') {
      keys[data] = await ok(args, { cwd })
      assert.match(keys[data] as string, /^[0-9a-f]{64}$/)
    } else if (comment && (sub === 'cat' || sub === 'ls')) {
      const expected = comment.trim().split(/\s+/).join(' ')
      await poll(
        async () => {
          const result = await run(args, { cwd })
          return result.stdout.trim().split(/\s+/).join(' ') === expected ? true : undefined
          // Each try is a process start: not too often.
        },
        `${line} to print ${expected}`,
        { intervalMs: 500 }
      )
      checked++
    } else {
      await ok(args, { cwd, ...(input === undefined ? {} : { input }) })
    }
  }
  assert.equal(Object.keys(serves).sort(), ['alice', 'bob'])
  assert.is(checked, 3, 'the outputs the README promises were checked')
})

test.run()
