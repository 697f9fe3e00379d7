/** Timing: per-call samples in microseconds, summarised as median and p99. */

export interface Summary {
  /** microseconds */
  median: number
  p99: number
  mean: number
  n: number
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)
  return { median: at(0.5), p99: at(0.99), mean, n: sorted.length }
}

/** Times `fn(i)` for i in [0, n), one sample per call, after `warmup` untimed calls. */
export async function sample(
  n: number,
  fn: (i: number) => Promise<unknown>,
  warmup = Math.min(100, n)
): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn(i)
  return summarize(await timings(n, fn))
}

/** Microseconds each call of `fn(i)` took, for i in [0, n), one call at a time. */
export async function timings(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    await fn(i)
    samples[i] = Number(process.hrtime.bigint() - start) / 1000
  }
  return samples
}

/** Times one whole run of `fn`, in microseconds. */
export async function once(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1000
}

/** Operations per second, for `count` operations that took `us` microseconds. */
export function perSecond(count: number, us: number): number {
  return count / (us / 1e6)
}

/** A deterministic pseudo-random sequence (benchmarks must read the same paths every run). */
export function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
