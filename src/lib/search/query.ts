/** What a search asks for and what each hit says (the `--json` shape of `rtcc search`). */
import {usageError} from '../errors.js'
import {COLOURS, type Colour, isColour} from './colours.js'
import {isLabel, type Label, LABELS} from './labels.js'

export interface SearchQuery {
  label?: Label
  colour?: Colour
  minScore: number
  limit: number
}

export interface SearchHit {
  id: string
  label: Label
  score: number
  colours: Colour[]
  camera: string | null
  /** The video file, and where in it the object was seen (seconds). */
  source: string
  startSeconds: number
  endSeconds: number
  bestSeconds: number
  box: {x1: number; y1: number; x2: number; y2: number}
  thumbnail: string
}

export const DEFAULT_LIMIT = 50

/** Validates the user's words against the closed lists; anything else is a usage error naming the list. */
export function parseQuery(input: {class?: string; color?: string; minScore?: number; limit?: number}): SearchQuery {
  const label = input.class?.trim().toLowerCase()
  if (label !== undefined && !isLabel(label)) {
    throw usageError(`--class ${input.class} is not a searchable class`, `Use one of: ${LABELS.join(', ')}. Faces and other attributes of people are never searchable.`)
  }
  const colour = input.color?.trim().toLowerCase()
  if (colour !== undefined && !isColour(colour)) throw usageError(`--color ${input.color} is not a colour name`, `Use one of: ${COLOURS.join(', ')}.`)
  const minScore = input.minScore ?? 0.4
  if (!(minScore >= 0 && minScore <= 1)) throw usageError(`--min-score ${minScore} must be between 0 and 1`)
  const limit = input.limit ?? DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit ${limit} must be a positive whole number`)
  return {label, colour, minScore, limit}
}
