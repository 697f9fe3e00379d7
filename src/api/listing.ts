/** A listing you can either `await` (an array) or iterate with `for await`, as Hyperdrive's readdir. */
export class Listing<T> implements AsyncIterable<T>, PromiseLike<T[]> {
  private readonly source: () => AsyncIterable<T>

  constructor(source: () => AsyncIterable<T>) {
    this.source = source
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source()[Symbol.asyncIterator]()
  }

  // biome-ignore lint/suspicious/noThenProperty: a listing is deliberately awaitable.
  then<R1 = T[], R2 = never>(
    onfulfilled?: ((value: T[]) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null
  ): Promise<R1 | R2> {
    return this.toArray().then(onfulfilled, onrejected)
  }

  async toArray(): Promise<T[]> {
    const out: T[] = []
    for await (const item of this.source()) out.push(item)
    return out
  }
}
