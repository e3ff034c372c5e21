import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * The shape of an API token: `etlp_` and 32 random bytes in base64url. The prefix lets
 * secret scanners and people recognise a leaked token; the 256 random bits make a fast
 * hash (SHA-256) enough to store it, as GitHub does: there is nothing to guess.
 */
const PREFIX = 'etlp_'
const RANDOM_BYTES = 32
const TOKEN_PATTERN = /^etlp_[A-Za-z0-9_-]{43}$/

/** A new token, in clear: shown once, stored only as its hash. */
export function generateApiToken(): string {
  return PREFIX + randomBytes(RANDOM_BYTES).toString('base64url')
}

/** Rejects what cannot be a token before it costs a query. */
export function looksLikeApiToken(text: string): boolean {
  return TOKEN_PATTERN.test(text)
}

/** The stored form of a token: SHA-256, lowercase hex (64 characters). */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Compares two hashes in constant time. The row was found by its hash, so this checks
 * that the stored value equals the computed one byte for byte, whatever the column's
 * collation made of the lookup, without a timing signal.
 */
export function sameHash(stored: string, computed: string): boolean {
  const a = Buffer.from(stored, 'utf8')
  const b = Buffer.from(computed, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
