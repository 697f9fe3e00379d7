/** Benchmark results: a table on stdout, and bench/results.json, bench/RESULTS.md, the charts. */
import { writeFile } from 'node:fs/promises'
import type { Summary } from './measure.js'

export interface Side {
  label: string
  median: number
  /** Equal to `median` for a single figure (a rate, a peak, a count). */
  p99: number
  unit: 'µs' | 'ms' | 'MB' | 'writes/s' | 'per drive'
}

export interface Result {
  name: string
  sizes: Record<string, number>
  baseline: Side
  merged: Side
  /** merged / baseline, both medians */
  ratio: number
  target: string
  pass: boolean
  note?: string
}

export function side(label: string, s: Summary, unit: Side['unit'] = 'µs'): Side {
  const scale = unit === 'ms' ? 1 / 1000 : 1
  return { label, median: s.median * scale, p99: s.p99 * scale, unit }
}

/** A side that is one figure, not a distribution. */
export function figure(label: string, value: number, unit: Side['unit']): Side {
  return { label, median: value, p99: value, unit }
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (x >= 100) return x.toFixed(0)
  if (x >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

function sideOf(s: Side): string {
  const values = s.p99 === s.median ? fmt(s.median) : `${fmt(s.median)} / ${fmt(s.p99)}`
  return `${s.label}: ${values} ${s.unit}`
}

function sizesOf(r: Result): string {
  return Object.entries(r.sizes)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ')
}

export function table(results: Result[]): string {
  const rows = [
    '| benchmark | sizes | baseline (median / p99) | multidrive (median / p99) | ratio | target | |',
    '|---|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    rows.push(
      `| ${r.name} | ${sizesOf(r)} | ${sideOf(r.baseline)} | ${sideOf(r.merged)} | ${fmt(r.ratio)}× | ${r.target} | ${r.pass ? 'met' : 'MISSED'} |`
    )
  }
  return rows.join('\n')
}

/** The results' notes, one Markdown bullet each. */
export function notes(results: Result[]): string[] {
  return results.filter((r) => r.note).map((r) => `- **${r.name}**: ${r.note}`)
}

export interface ChartSeries {
  label: string
  color: string
  points: [number, number][]
}

/** A chart for RESULTS.md: written to `{file}{suffix}.svg`. */
export interface Chart {
  file: string
  /** The image's alt text in RESULTS.md. */
  alt: string
  svg: string
}

/** A log-log line chart of a time (µs) against the number of drives, as a standalone SVG. */
export function chart(title: string, series: ChartSeries[]): string {
  const W = 640
  const H = 400
  const pad = { l: 70, r: 170, t: 40, b: 50 }
  const xs = series.flatMap((s) => s.points.map(([x]) => x))
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => y > 0)
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs)) || 1]
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))]
  const px = (x: number) => pad.l + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - pad.l - pad.r)
  const py = (y: number) => H - pad.b - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${pad.l}" y="22" font-size="14" font-weight="bold">${title}</text>`
  ]
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e)
    out.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y}" y2="${y}" stroke="#ddd"/>`)
    out.push(
      `<text x="${pad.l - 8}" y="${y + 4}" text-anchor="end">${10 ** e >= 1000 ? `${10 ** (e - 3)} ms` : `${10 ** e} µs`}</text>`
    )
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x)}" y="${H - pad.b + 18}" text-anchor="middle">${x}</text>`)
  }
  out.push(`<text x="${(pad.l + W - pad.r) / 2}" y="${H - 12}" text-anchor="middle">drives</text>`)
  series.forEach((s, i) => {
    const d = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`)
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${s.color}"/>`)
    const ly = pad.t + 10 + i * 20
    out.push(
      `<line x1="${W - pad.r + 15}" x2="${W - pad.r + 35}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`
    )
    out.push(`<text x="${W - pad.r + 40}" y="${ly + 4}">${s.label}</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}

export interface Report {
  mode: 'full' | 'quick'
  date: string
  machine: string
  results: Result[]
}

export async function writeReport(dir: string, report: Report, charts: Chart[], suffix = ''): Promise<void> {
  await writeFile(`${dir}/results${suffix}.json`, `${JSON.stringify(report, null, 2)}\n`)
  const md = [
    `# Benchmark results${suffix ? ' (quick)' : ''}`,
    '',
    `Measured ${report.date} on ${report.machine}, \`npm run bench${report.mode === 'quick' ? ':quick' : ''}\`.`,
    'Every ratio is multidrive against a baseline measured side by side in the same run.',
    '',
    table(report.results),
    '',
    ...notes(report.results),
    '',
    ...charts.flatMap((c) => [`![${c.alt}](${c.file}${suffix}.svg)`, '']),
    ''
  ]
  await writeFile(`${dir}/RESULTS${suffix}.md`, md.join('\n'))
  for (const c of charts) await writeFile(`${dir}/${c.file}${suffix}.svg`, c.svg)
}
