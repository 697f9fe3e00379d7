/** The bearer token that guards HTTP writes, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto'

/** Whether an `Authorization` header carries exactly `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')
  if (!match?.[1]) return false
  // Hashing first gives equal lengths, so the comparison leaks nothing about the token's length.
  const given = createHash('sha256').update(match[1]).digest()
  const expected = createHash('sha256').update(token).digest()
  return timingSafeEqual(given, expected)
}
