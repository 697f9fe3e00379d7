/** How far each drive is indexed: the `stats` of a MultiDrive and its `'indexed'` event. */
import type { DriveActorState } from '../actors/drive-machine.js'

/** How far a drive is indexed, and what its actor is doing. */
export interface DriveStats {
  /**
   * The actor's lifecycle state: `live` once the index holds the drive up to its length (the
   * actor may still be finishing its read), `waitingForPeers` while blocks are missing and no peer
   * is connected; null once the drive is removed or the MultiDrive closed.
   */
  state: DriveActorState | null
  /** The drive's length the index has folded so far. */
  indexed: number
  /** The drive's length as this peer knows it (null for a drive the index remembers, not added). */
  length: number | null
  nodesRead: number
  lastError: string | null
  /** Where the drive's log stopped being readable (a block that is not a Hyperbee node), and why. */
  stuck: { seq: number; reason: string } | null
}

/** The payload of `'indexed'`: the drive is indexed up to `indexed`; fully when it equals `length`. */
export interface IndexProgress {
  indexed: number
  length: number
}
