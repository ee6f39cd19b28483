/**
 * Password hashing with scrypt. N=2^14, r=8, p=1 takes about 68 ms per hash on this project's machines
 * (2 cores; measured with `node -e` over 5 runs): inside the 50-100 ms budget, slow for guessing.
 * Stored as `scrypt$N$r$p$salt$hash` (base64) so parameters can be raised later without breaking old hashes.
 * The whole password is hashed (no truncation, unlike bcrypt's 72 bytes).
 * Strength is zxcvbn's estimate (common passwords, dictionary words, keyboard patterns, the user's own
 * name and email), not a fixed list.
 */
import type {ZxcvbnFactory} from '@zxcvbn-ts/core'
import {randomBytes, scrypt as scryptCb, timingSafeEqual} from 'node:crypto'

const PARAMS = {N: 16_384, r: 8, p: 1}
const KEY_LENGTH = 32
export const MIN_PASSWORD_LENGTH = 8
/** zxcvbn score 0-4; 3 means "safely unguessable: moderate protection from offline slow-hash attacks". */
export const MIN_PASSWORD_SCORE = 3

function scrypt(password: string, salt: Buffer, params: {N: number; r: number; p: number}): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, KEY_LENGTH, {...params, maxmem: 256 * 1024 * 1024}, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, PARAMS)
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, N, r, p, salt, hash] = stored.split('$')
  if (kind !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const key = await scrypt(password, Buffer.from(salt, 'base64'), {N: Number(N), r: Number(r), p: Number(p)})
  return key.length === expected.length && timingSafeEqual(key, expected)
}

let estimator: Promise<ZxcvbnFactory> | undefined

/** zxcvbn and its dictionaries are several MB: loaded on the first password set, never at start. */
function strengthEstimator(): Promise<ZxcvbnFactory> {
  return (estimator ??= (async () => {
    const [{ZxcvbnFactory}, common, en] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')])
    return new ZxcvbnFactory({
      translations: en.translations,
      graphs: common.adjacencyGraphs,
      dictionary: {...common.dictionary, ...en.dictionary},
      // Its cost grows fast with length and it blocks the event loop (public signup): the first 64
      // characters decide. Levenshtein matching is left off for the same reason (about 10x slower).
      maxLength: 64,
    })
  })())
}

/** A name or email and its words (`mo.patel@example.org` → mo, patel, example), as zxcvbn user inputs. */
const userWords = (input: string) => [input, ...input.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= 3)]

/**
 * Why a password is refused, or undefined when it is acceptable. The user's name, email and display
 * name count as known words, so a password built on them is weak; containing the user name is refused outright.
 */
export async function passwordProblem(password: string, user: {username: string; email?: string | null; displayName?: string | null}): Promise<string | undefined> {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`
  if (password.toLowerCase().includes(user.username.toLowerCase())) return 'password must not contain the user name'
  const inputs = [user.username, user.email, user.displayName].flatMap((input) => (input ? userWords(input) : []))
  const {score, feedback} = (await strengthEstimator()).check(password, inputs)
  if (score >= MIN_PASSWORD_SCORE) return undefined
  const why = [feedback.warning, ...feedback.suggestions].filter(Boolean).join(' ')
  return `password is too easy to guess (zxcvbn strength ${score} of 4, at least ${MIN_PASSWORD_SCORE} needed)${why ? `: ${why}` : ''}`
}

/** A dummy hash to spend the same time on unknown usernames, so timing does not reveal which exist. */
export const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
