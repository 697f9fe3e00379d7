/**
 * `checkout(version)`: the merged view as it was at a version vector (`multi.version`), built by a
 * read-only MultiDrive of its own over each drive's checkout at its length in the vector. The
 * plan travels from the MultiDrive that checks out to the one it creates through a private map,
 * keyed by the new primary (so the public constructor's options stay what they are).
 */
import type Hyperdrive from 'hyperdrive'
import type { DriveKey } from '../events/types.js'
import { type DriveSet, keyOf, toDriveKey } from './drive-set.js'
import { MultiDriveError } from './errors.js'

/** Each drive's checkout, and the length each is to be indexed up to. */
export interface CheckoutPlan {
  primary: Hyperdrive
  drives: Hyperdrive[]
  lengths: Map<DriveKey, number>
}

const plans = new WeakMap<object, CheckoutPlan>()

/**
 * Checks a version vector against the added drives and checks each drive out at its length:
 * EINVAL for what is not a vector (or a length this peer does not have yet), EUNKNOWNDRIVE for a
 * drive that is not added. The primary is always part of the view (at length 0 if absent).
 */
export function planCheckout(set: DriveSet, primary: Hyperdrive, version: unknown): CheckoutPlan {
  if (version === null || typeof version !== 'object' || Array.isArray(version)) {
    throw MultiDriveError.EINVAL('checkout(version) takes a version vector: { [driveKey]: length }')
  }
  const lengths = new Map<DriveKey, number>()
  const drives: Hyperdrive[] = []
  for (const [id, length] of Object.entries(version)) {
    const key = toDriveKey(id)
    const drive = set.get(key)
    if (drive === undefined) throw MultiDriveError.EUNKNOWNDRIVE(key, 'is not added: it cannot be checked out')
    if (!Number.isSafeInteger(length) || length < 0 || length > drive.core.length) {
      throw MultiDriveError.EINVAL(
        `drive ${key} has no version ${String(length)} here (its length is ${drive.core.length})`
      )
    }
    lengths.set(key, length)
    if (drive !== primary) drives.push(drive.checkout(length))
  }
  const primaryKey = keyOf(primary)
  if (!lengths.has(primaryKey)) lengths.set(primaryKey, 0)
  const plan = { primary: primary.checkout(lengths.get(primaryKey) ?? 0), drives, lengths }
  plans.set(plan.primary, plan)
  return plan
}

/** The plan a checkout's primary was made by, if it is one (taken once, by the MultiDrive built on it). */
export function takePlan(primary: object): CheckoutPlan | undefined {
  const plan = plans.get(primary)
  plans.delete(primary)
  return plan
}
