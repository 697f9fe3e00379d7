#!/usr/bin/env node
// `npm run build` (and `prepare`): dist/esm, the ES modules and declarations tsc emits, and
// dist/cjs, the same modules as CommonJS (esbuild converts each file; nothing is bundled) with the
// same declarations. The command (src/cli) is ES modules only: it runs as the package's `bin`,
// and nothing requires it. dist/cjs has a package.json of its own: the package's `"type": "module"`
// would otherwise make Node (and TypeScript) read its files as ES modules.
// The web explorer (src/explorer) is browser code: tsc compiles it with the DOM's types into
// dist/esm/explorer, beside its page, stylesheet and icon, which `serve` sends as they are.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { transformSync } from 'esbuild'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
rmSync('dist', { recursive: true, force: true })
for (const project of ['tsconfig.build.json', 'tsconfig.explorer.json']) {
  const { status } = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' })
  if (status !== 0) process.exit(status ?? 1)
}
for (const file of readdirSync('src/explorer')) {
  if (/\.(html|css|svg)$/.test(file)) copyFileSync(join('src/explorer', file), join('dist/esm/explorer', file))
}

for (const file of readdirSync('dist/esm', { recursive: true, encoding: 'utf-8' })) {
  const from = join('dist/esm', file)
  const to = join('dist/cjs', relative('dist/esm', from))
  if ((!file.endsWith('.js') && !file.endsWith('.d.ts')) || file.startsWith('cli/') || file.startsWith('explorer/'))
    continue
  mkdirSync(dirname(to), { recursive: true })
  if (file.endsWith('.d.ts')) copyFileSync(from, to)
  else writeFileSync(to, transformSync(readFileSync(from, 'utf-8'), { format: 'cjs', target: 'node20' }).code)
}
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)
