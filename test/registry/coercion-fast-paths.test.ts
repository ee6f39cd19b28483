/**
 * The import's hand-written coercions give exactly what the general ones they stand in for give:
 * plainDecimal the value of `Number(text)` for every text it takes (and it takes the common plain
 * decimals), and a tags cell split by hand the distinct trimmed parts of `split(/[,;|]/)`.
 */
import {describe, expect, it} from 'vitest'

import {planColumns} from '../../src/lib/registry/column-map.js'
import {COLUMN_NAMES} from '../../src/lib/registry/columns.js'
import {random} from '../../src/lib/registry/synthetic.js'
import {plainDecimal, validateRecord} from '../../src/lib/registry/validate.js'

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

describe('plainDecimal', () => {
  it('takes plain decimals of up to 15 digits, signed or not, and gives what Number gives', () => {
    for (const text of ['41.878100', '-87.6', '+61', '0', '-0', '007', '5.', '.5', '-.25', '123456789012345', '0.00000000000001', '99999999.9999999']) {
      expect(Object.is(plainDecimal(text), Number(text)), text).toBe(true)
    }
  })

  it('leaves everything else to the general way', () => {
    for (const text of ['', '+', '-', '.', '1.2.3', '1e5', '1E-5', '0x10', ' 1', '1 ', '1,5', 'Infinity', 'NaN', '1234567890123456', '0.000000000000001', '0.1234567890123456', '--1', '１２']) {
      expect(plainDecimal(text), text).toBeUndefined()
    }
  })

  it('agrees with the regex and Number over generated texts', () => {
    const next = random(16)
    const pick = (alphabet: string) => alphabet[Math.floor(next() * alphabet.length)]!
    let taken = 0
    for (let n = 0; n < 200_000; n++) {
      let text = next() < 0.3 ? pick('+- ') : ''
      const length = 1 + Math.floor(next() * 18)
      for (let i = 0; i < length; i++) text += next() < 0.9 ? pick('0123456789') : pick('.e+-')
      const value = plainDecimal(text)
      if (value === undefined) continue
      taken++
      expect(NUMBER.test(text), text).toBe(true)
      expect(Object.is(value, Number(text)), text).toBe(true)
    }
    expect(taken).toBeGreaterThan(50_000)
  })
})

describe('tags cells', () => {
  const plan = planColumns(COLUMN_NAMES, undefined, true)
  const row = (tags: string): Record<string, string> => ({external_id: 'k1', source: 'test', latitude: '41.9', longitude: '-87.6', owner_email: 'owner@example.com', tags})
  const reference = (cell: string) => [...new Set(cell.split(/[,;|]/).map((part) => part.trim()).filter((tag) => tag !== ''))]

  it('gives the distinct trimmed tags in order of first appearance, however they are separated', () => {
    const next = random(3)
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
    const pieces = ['a', 'b', 'front', ' street ', '', ' ', ',', ';', '|', ',,', 'a', 'é', '\t']
    for (let n = 0; n < 20_000; n++) {
      const parts = Math.floor(next() * (next() < 0.1 ? 60 : 8))
      let cell = 'x'
      for (let i = 0; i < parts; i++) cell += pick(pieces) + (next() < 0.3 ? `t${Math.floor(next() * 70)}` : '')
      const result = validateRecord(row(cell), plan, {defaults: {}, allowNullIsland: false})
      const expected = reference(cell)
      if (result.ok) expect(result.camera.tags, cell).toEqual(expected)
      else expect(expected.length > 50 || expected.some((tag) => tag.length > 64), cell).toBe(true)
    }
  })
})
