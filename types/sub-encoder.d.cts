// Ambient declarations for sub-encoder 2: a key encoding that prefixes a sub's name.
declare module 'sub-encoder' {
  class SubEncoder {
    constructor(prefix?: string | Buffer | null, encoding?: string)
    readonly prefix: Buffer | null
    encode(key: unknown): Buffer
    decode(key: Buffer): string
    encodeRange(range: { gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown }): Record<string, Buffer>
    sub(prefix: string | Buffer, encoding?: string): SubEncoder
  }
  export = SubEncoder
}
