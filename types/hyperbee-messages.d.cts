// Ambient declarations for hyperbee/lib/messages.js: the codec of one Hyperbee block (a tree node).
declare module 'hyperbee/lib/messages.js' {
  /** A Hyperbee block: its key and value (null for a deletion) and its part of the tree index. */
  interface BeeNode {
    index: Buffer
    key: Buffer
    value: Buffer | null
  }
  export const Node: {
    buffer: true
    encode(node: BeeNode): Buffer
    decode(buf: Buffer): BeeNode
    encodingLength(node: BeeNode): number
  }
}
