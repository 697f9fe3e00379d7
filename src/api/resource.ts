/**
 * The base of MultiDrive: an event emitter with typed events and ReadyResource's lifecycle
 * (`ready()` and `close()` run once, `'ready'` and `'close'` are emitted). The lifecycle is
 * ready-resource's own, held inside rather than inherited, so that the published declarations name
 * no Holepunch module.
 */
import { EventEmitter } from 'node:events'
import ReadyResource from 'ready-resource'

/** A map of event names to their listeners' signatures. */
// biome-ignore lint/suspicious/noExplicitAny: listener signatures of any shape.
export type EventMap<Events> = { [E in keyof Events]: (...args: any[]) => void }

/** The listener of `'ready'` and `'close'`, which every resource emits. */
export interface LifecycleEvents {
  ready: () => void
  close: () => void
}

export abstract class TypedResource<Events extends EventMap<Events>> extends EventEmitter {
  private readonly lifecycle: ReadyResource

  constructor() {
    super()
    const open = () => this._open()
    const close = () => this._close()
    this.lifecycle = new (class extends ReadyResource {
      protected override _open(): Promise<void> {
        return open()
      }
      protected override _close(): Promise<void> {
        return close()
      }
    })()
    this.lifecycle.on('ready', () => super.emit('ready'))
    this.lifecycle.on('close', () => super.emit('close'))
  }

  /** Set once `ready()` was called: resolves when opening is done. */
  get opening(): Promise<void> | null {
    return this.lifecycle.opening
  }

  /** Set once `close()` was called: resolves when closing is done. */
  get closing(): Promise<void> | null {
    return this.lifecycle.closing
  }

  /** Whether opening is done (and succeeded). */
  get opened(): boolean {
    return this.lifecycle.opened
  }

  /** Whether closing is done. */
  get closed(): boolean {
    return this.lifecycle.closed
  }

  /** Opens (once; later calls share the first). A failed open closes in the background. */
  ready(): Promise<void> {
    return this.lifecycle.ready()
  }

  /** Closes (once; later calls share the first). */
  close(): Promise<void> {
    return this.lifecycle.close()
  }

  protected abstract _open(): Promise<void>
  protected abstract _close(): Promise<void>

  override on<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    listener: (Events & LifecycleEvents)[E]
  ): this {
    return super.on(event, listener)
  }

  override once<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    listener: (Events & LifecycleEvents)[E]
  ): this {
    return super.once(event, listener)
  }

  override off<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    listener: (Events & LifecycleEvents)[E]
  ): this {
    return super.off(event, listener)
  }

  override addListener<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    listener: (Events & LifecycleEvents)[E]
  ): this {
    return super.addListener(event, listener)
  }

  override removeListener<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    listener: (Events & LifecycleEvents)[E]
  ): this {
    return super.removeListener(event, listener)
  }

  override prependListener<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    listener: (Events & LifecycleEvents)[E]
  ): this {
    return super.prependListener(event, listener)
  }

  override emit<E extends keyof (Events & LifecycleEvents) & string>(
    event: E,
    ...args: Parameters<(Events & LifecycleEvents)[E]>
  ): boolean {
    return super.emit(event, ...args)
  }
}
