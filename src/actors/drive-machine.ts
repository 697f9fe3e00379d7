/**
 * The lifecycle of one drive's actor. The machine holds lifecycle only: which phase the actor is in,
 * whether the drive changed while it was reading, how many retries failed. Records never pass
 * through it: the `catchUp` actor reads the drive and hands batches to the indexer itself.
 *
 * opening -> catchingUp -> live | waitingForPeers, back to catchingUp on every change; a failed
 * read goes to retrying with exponential backoff; a block that is not a Hyperbee node leaves the
 * drive stuck until it truncates (appends cannot help: nothing after the block can be read); the
 * drive closing under the actor ends in closed.
 * (The supervisor stops an actor it no longer needs; that needs no state.)
 */
import { assign, fromCallback, fromPromise, type SnapshotFrom, setup } from 'xstate'

/** What a catch-up found: everything read, a replica with no peer to read more from, or a bad block. */
export type CatchUpOutcome = 'caught-up' | 'no-peers' | 'stuck'

export type DriveActorEvent =
  | { type: 'CHANGED' }
  | { type: 'TRUNCATED' }
  | { type: 'PEER_ADD' }
  | { type: 'DRIVE_CLOSED' }

export interface DriveActorContext {
  /** The drive changed during the current catch-up: run another. */
  dirty: boolean
  /** Failed catch-ups in a row (drives the backoff). */
  attempts: number
  lastError: string | null
}

const RETRY_BASE_MS = 100
const RETRY_MAX_MS = 30_000

function notProvided(name: string): never {
  throw new Error(`drive actor: '${name}' must be provided by the supervisor`)
}

export const driveMachine = setup({
  types: {
    context: {} as DriveActorContext,
    events: {} as DriveActorEvent
  },
  actors: {
    open: fromPromise<void>(async () => notProvided('open')),
    catchUp: fromPromise<CatchUpOutcome>(async () => notProvided('catchUp')),
    /** Turns the drive's core events into CHANGED / TRUNCATED / PEER_ADD / DRIVE_CLOSED; returns its cleanup. */
    watch: fromCallback<DriveActorEvent>(() => notProvided('watch'))
  },
  delays: {
    backoff: ({ context }) => Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** context.attempts)
  },
  guards: {
    dirty: ({ context }) => context.dirty,
    noPeers: (_, outcome: CatchUpOutcome) => outcome === 'no-peers',
    stuck: (_, outcome: CatchUpOutcome) => outcome === 'stuck'
  },
  actions: {
    markDirty: assign({ dirty: true }),
    recordFailure: assign(({ context }, error: unknown) => ({
      attempts: context.attempts + 1,
      lastError: error instanceof Error ? error.message : String(error)
    }))
  }
}).createMachine({
  id: 'drive',
  context: { dirty: false, attempts: 0, lastError: null },
  initial: 'opening',
  invoke: { src: 'watch' },
  on: { DRIVE_CLOSED: '.closed' },
  states: {
    opening: {
      invoke: {
        src: 'open',
        onDone: 'catchingUp',
        onError: {
          target: 'retrying',
          actions: { type: 'recordFailure', params: ({ event }: { event: { error: unknown } }) => event.error }
        }
      }
    },
    catchingUp: {
      entry: assign({ dirty: false }),
      on: { CHANGED: { actions: 'markDirty' }, TRUNCATED: { actions: 'markDirty' } },
      invoke: {
        src: 'catchUp',
        onDone: [
          {
            guard: { type: 'stuck', params: ({ event }) => event.output },
            target: 'stuck',
            actions: assign({ attempts: 0 })
          },
          { guard: 'dirty', target: 'catchingUp', reenter: true, actions: assign({ attempts: 0 }) },
          {
            guard: { type: 'noPeers', params: ({ event }) => event.output },
            target: 'waitingForPeers',
            actions: assign({ attempts: 0 })
          },
          { target: 'live', actions: assign({ attempts: 0, lastError: null }) }
        ],
        onError: {
          target: 'retrying',
          actions: { type: 'recordFailure', params: ({ event }: { event: { error: unknown } }) => event.error }
        }
      }
    },
    live: {
      on: { CHANGED: 'catchingUp', TRUNCATED: 'catchingUp' }
    },
    waitingForPeers: {
      on: { CHANGED: 'catchingUp', TRUNCATED: 'catchingUp', PEER_ADD: 'catchingUp' }
    },
    stuck: {
      on: { TRUNCATED: 'catchingUp' }
    },
    retrying: {
      after: { backoff: 'catchingUp' },
      on: { PEER_ADD: 'catchingUp' }
    },
    closed: { type: 'final' }
  }
})

/** The lifecycle state of a drive's actor. */
export type DriveActorState = SnapshotFrom<typeof driveMachine>['value']
